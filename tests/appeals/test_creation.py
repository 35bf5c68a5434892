"""The one write path of intake (`appeals.creation.appeals_create`, a single submission being a batch
of one) gives each appeal what the step-by-step actions gave it: its events in order, one audit entry
each in an unbroken chain, the auto-dispatch with its working-day deadlines, consecutive tracking
numbers of the day."""

from __future__ import annotations

import pytest
from django.utils import timezone

from lianxin.appeals import deadlines
from lianxin.appeals.actors import Actor
from lianxin.appeals.batch import BatchItem, appeals_submit_batch
from lianxin.appeals.creation import reserve_tracking_numbers
from lianxin.appeals.intake import AppealInput, appeal_submit
from lianxin.appeals.models import Status, TrackingCounter
from lianxin.audit.models import AuditEntry
from lianxin.audit.services import audit_verify

pytestmark = pytest.mark.django_db

LAMP = "幸福小区3栋门口的路灯坏了一个多月，晚上很黑，老人走路摔倒过，希望尽快修好。"


def _lamp(phone: str = "13812341234") -> AppealInput:
    return AppealInput(
        text=LAMP, category_code="CJ-LD", area_code="G1", contact_phone=phone, contact_consent=True
    )


def test_a_single_intake_has_its_events_audit_entries_and_deadlines(district):
    appeal = appeal_submit(data=_lamp(), actor=Actor.staff(district.operator)).appeal
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED
    assert appeal.unit == district.unit_city
    events = list(appeal.events.order_by("pk").values_list("type", "from_status", "to_status", "public"))
    assert events == [
        ("submitted", "", "submitted", True),
        ("triaged", "submitted", "submitted", False),
        ("dispatched", "submitted", "dispatched", True),
    ]
    assert appeal.dispatched_at is not None
    due = deadlines.compute_deadlines(appeal.dispatched_at, appeal.category, appeal.urgency)
    assert (appeal.accept_due_at, appeal.resolve_due_at) == (due.accept_due_at, due.resolve_due_at)
    audit = list(
        AuditEntry.objects.filter(object_id=appeal.tracking_number)
        .order_by("seq")
        .values_list("data__event", flat=True)
    )
    assert audit == ["submitted", "triaged", "dispatched"]
    assert audit_verify().ok


def test_tracking_numbers_are_consecutive_across_single_and_bulk_intake(district):
    actor = Actor.staff(district.operator)
    first = appeal_submit(data=_lamp(), actor=actor).appeal.tracking_number
    batch = [
        a.tracking_number
        for a in appeals_submit_batch(
            items=[BatchItem(data=_lamp(f"1390000000{i}")) for i in range(3)], actor=actor
        )
    ]
    last = appeal_submit(data=_lamp("13700001111"), actor=actor).appeal.tracking_number
    numbers = [first, *batch, last]
    sequence = [int(str(n).rsplit("-", 1)[1]) for n in numbers]
    assert sequence == list(range(sequence[0], sequence[0] + 5))
    day = timezone.localtime().date()
    assert TrackingCounter.objects.get(day=day).last == sequence[-1]
    assert reserve_tracking_numbers(day, 2)[0].endswith(f"-{sequence[-1] + 1:06d}")
