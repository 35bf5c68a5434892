"""What an intake does after answering (the SMS with the tracking number, the unit's notice) goes
through a durable outbox: written with the appeal, done after the commit, and done by the sweep if
the process died in between — never lost, never done twice by the sweep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.appeals.actors import Actor
from lianxin.appeals.batch import BatchItem, appeals_submit_batch
from lianxin.appeals.followups import FOLLOW_UP_GRACE, follow_ups_sweep
from lianxin.appeals.intake import AppealInput, appeal_submit
from lianxin.appeals.models import IntakeFollowUp, Status
from lianxin.appeals.sweeps import sweep_deadlines
from lianxin.core.sms import MemorySmsBackend
from lianxin.notifications.models import Notification

pytestmark = pytest.mark.django_db

LAMP = "幸福小区3栋门口的路灯坏了一个多月，晚上很黑，老人走路摔倒过，希望尽快修好。"


@pytest.fixture
def outbox(settings):
    settings.LIANXIN = {**settings.LIANXIN, "SMS_BACKEND": "lianxin.core.sms.MemorySmsBackend"}
    MemorySmsBackend.outbox.clear()
    return MemorySmsBackend.outbox


def _lamp(**extra) -> AppealInput:
    fields = {
        "text": LAMP,
        "category_code": "CJ-LD",
        "area_code": "G1",
        "contact_phone": "13812341234",
        "contact_consent": True,
        **extra,
    }
    return AppealInput(**fields)


def _later() -> dt.datetime:
    return timezone.now() + FOLLOW_UP_GRACE + dt.timedelta(seconds=1)


def test_after_the_commit_the_follow_up_is_done_once_and_its_row_removed(
    district, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = appeal_submit(data=_lamp(), actor=Actor.staff(district.operator))
    assert result.appeal.status == Status.DISPATCHED
    assert [m.reference for m in outbox] == [result.appeal.tracking_number]
    notices = Notification.objects.filter(kind="dispatched")
    assert [n.user_id for n in notices] == [district.handler_city.pk]
    assert not IntakeFollowUp.objects.exists()
    assert follow_ups_sweep(_later()) == 0  # nothing left over, nothing sent again
    assert len(outbox) == 1
    assert notices.count() == 1


def test_a_process_dying_after_the_commit_loses_nothing_the_sweep_recovers_it(
    district, outbox, django_capture_on_commit_callbacks
):
    # the commit happened (the row is there) but the callbacks never ran: the process died
    with django_capture_on_commit_callbacks(execute=False):
        result = appeal_submit(data=_lamp(), actor=Actor.staff(district.operator))
    row = IntakeFollowUp.objects.get()
    assert row.appeal_ids == [result.appeal.pk]
    assert row.dispatched == [[result.appeal.pk, district.unit_city.pk]]
    assert outbox == []
    assert not Notification.objects.exists()

    assert follow_ups_sweep(timezone.now()) == 0  # a fresh row is the queued task's, not the sweep's
    assert IntakeFollowUp.objects.exists()
    assert outbox == []

    counts = sweep_deadlines(_later())  # the periodic sweep that every deployment runs
    assert counts["intake_follow_ups"] == 1
    assert [m.reference for m in outbox] == [result.appeal.tracking_number]
    assert [n.user_id for n in Notification.objects.filter(kind="dispatched")] == [district.handler_city.pk]
    assert not IntakeFollowUp.objects.exists()
    assert sweep_deadlines(_later())["intake_follow_ups"] == 0
    assert len(outbox) == 1
    assert Notification.objects.count() == 1


def test_a_batch_has_one_follow_up_for_all_its_items(district, outbox, django_capture_on_commit_callbacks):
    items = [
        BatchItem(data=_lamp()),
        BatchItem(data=_lamp(anonymous=True, contact_phone="")),
        BatchItem(
            data=AppealInput(
                text="请问办理居住证需要带哪些材料？",
                kind="inquiry",
                channel="hotline",
                category_code="CJ",
                area_code="G1",
                contact_phone="13900002222",
                contact_consent=True,
            )
        ),
    ]
    with django_capture_on_commit_callbacks(execute=False):
        answers = appeals_submit_batch(items=items, actor=Actor.staff(district.operator))
    assert [a.status for a in answers] == [201, 201, 201]
    row = IntakeFollowUp.objects.get()
    assert len(row.appeal_ids) == 3
    assert len(row.dispatched) == 2  # the hotline inquiry waits for the operator: no unit told
    assert follow_ups_sweep(_later()) == 1
    # every appeal with a number is told its tracking number; the anonymous one without a phone is not
    assert sorted(str(m.reference) for m in outbox) == sorted(
        [str(answers[0].tracking_number), str(answers[2].tracking_number)]
    )
    assert Notification.objects.filter(kind="dispatched").count() == 2


def test_a_rolled_back_intake_leaves_no_follow_up(district, outbox, django_capture_on_commit_callbacks):
    actor = Actor.staff(district.operator)
    with django_capture_on_commit_callbacks(execute=True):
        appeal_submit(data=_lamp(), actor=actor, idempotency_key="k-1")
        # the same key with another body is refused before anything is written
        with pytest.raises(Exception, match="Idempotency-Key"):
            appeal_submit(data=_lamp(address="另一个地址"), actor=actor, idempotency_key="k-1")
    assert not IntakeFollowUp.objects.exists()
    assert len(outbox) == 1
