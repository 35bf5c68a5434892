"""The bulk intake's batch-wide path keeps every rule of the single intake, item by item.

Each test takes the same inputs in once one by one (`appeal_submit`) and once as a batch
(`appeals_submit_batch`) and compares what each item became: status, unit, category, urgency,
deadlines, its events, its audit entries, its duplicates, its answer on replay.
"""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.appeals import deadlines
from lianxin.appeals.actors import Actor
from lianxin.appeals.batch import BatchItem, appeals_submit_batch
from lianxin.appeals.duplicate_index import reset_recent_index
from lianxin.appeals.intake import AppealInput, appeal_submit
from lianxin.appeals.models import Appeal, AppealEvent, IdempotencyRecord, Status
from lianxin.audit.models import AuditEntry
from lianxin.audit.services import audit_verify
from lianxin.core.errors import RateLimitedError
from lianxin.core.sms import MemorySmsBackend
from lianxin.notifications.models import Notification

# each test with an embedded duplicate index and with the shared index server
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("duplicate_index_mode")]

LAMP = "幸福小区3栋门口的路灯坏了一个多月，晚上很黑，老人走路摔倒过，希望尽快修好。"
RUBBISH = "和平小区东门的垃圾站三天没人清运，气味很大，夏天苍蝇很多，请环卫部门处理。"
FIRE = "东街道五金店后面的仓库冒烟起火了，里面可能还有人，情况紧急！"


def inputs() -> list[AppealInput]:
    """Auto-dispatched, with another category, an emergency, anonymous without a phone, a hotline
    inquiry (never auto-dispatched), one without category (waits for a dispatcher), and a near-copy
    of the first (a duplicate within the batch)."""
    named: dict[str, Any] = {"contact_name": "张三", "contact_phone": "13812341234", "contact_consent": True}
    return [
        AppealInput(text=LAMP, category_code="CJ-LD", area_code="G1", **named),
        AppealInput(
            text=RUBBISH,
            category_code="HB",
            area_code="G2",
            contact_phone="13900002222",
            contact_consent=True,
        ),
        AppealInput(text=FIRE, category_code="CJ", area_code="G1", **named),
        AppealInput(
            text="路口的井盖松动了，车辆经过声音很大，请尽快处理。",
            category_code="CJ-LD",
            area_code="G1",
            anonymous=True,
        ),
        AppealInput(
            text="请问办理居住证需要带哪些材料？",
            kind="inquiry",
            channel="hotline",
            category_code="CJ",
            area_code="G1",
            **named,
        ),
        AppealInput(
            text="小区里有人深夜在广场上跳舞，音响很吵。",
            area_code="G2",
            contact_phone="13900003333",
            contact_consent=True,
        ),
        AppealInput(
            text=LAMP + "谢谢",
            category_code="CJ-LD",
            area_code="G1",
            contact_phone="13812341234",
            contact_consent=True,
        ),
    ]


def _outcome(appeal: Appeal, numbers: dict[str, int]) -> dict[str, Any]:
    """What an appeal became, with tracking numbers replaced by the position of their input."""
    events = [
        (e.type, e.from_status, e.to_status, e.actor_label, e.unit.code if e.unit else None, e.public, e.note)
        for e in appeal.events.select_related("unit").order_by("pk")
    ]
    suggestion = appeal.suggestion or {}
    audit = list(
        AuditEntry.objects.filter(object_id=appeal.tracking_number)
        .order_by("seq")
        .values_list("action", "actor_label", "data")
    )
    due = (
        deadlines.compute_deadlines(appeal.dispatched_at, appeal.category, appeal.urgency)
        if appeal.dispatched_at
        else None
    )
    return {
        "status": appeal.status,
        "unit": appeal.unit.code if appeal.unit else None,
        "category": appeal.category.code if appeal.category else None,
        "urgency": appeal.urgency,
        "priority": appeal.priority,
        "anonymous": appeal.is_anonymous,
        "has_code": bool(appeal.access_code_hash),
        "deadlines_kept": due is None
        or (appeal.accept_due_at, appeal.resolve_due_at) == (due.accept_due_at, due.resolve_due_at),
        "dispatched": appeal.dispatched_at is not None,
        "events": events,
        "audit": audit,
        "duplicates": sorted(numbers[d["tracking_number"]] for d in suggestion.get("duplicates", [])),
        "repeat": suggestion.get("repeat_appellant"),
        "unit_suggested": suggestion.get("unit"),
        "urgency_triggers": suggestion.get("urgency_triggers"),
    }


def _outcomes(numbers: list[str]) -> list[dict[str, Any]]:
    position = {n: i for i, n in enumerate(numbers)}
    appeals = Appeal.objects.select_related("unit", "category").in_bulk(field_name="tracking_number")
    return [_outcome(appeals[n], position) for n in numbers]


def _forget_appeals() -> None:
    Appeal.objects.all().delete()
    reset_recent_index()


def test_a_batch_gives_each_item_what_single_intake_gives_it(district):
    actor = Actor.staff(district.operator)
    single = [appeal_submit(data=d, actor=actor).appeal.tracking_number for d in inputs()]
    expected = _outcomes(single)
    _forget_appeals()

    answers = appeals_submit_batch(items=[BatchItem(data=d) for d in inputs()], actor=actor)

    assert [a.status for a in answers] == [201] * 7
    assert [a.index for a in answers] == list(range(7))
    got = _outcomes([str(a.tracking_number) for a in answers])
    assert got == expected
    # the rules themselves, not only the sameness
    assert [g["status"] for g in got] == [
        Status.DISPATCHED,
        Status.DISPATCHED,
        Status.DISPATCHED,
        Status.DISPATCHED,
        Status.SUBMITTED,
        Status.SUBMITTED,
        Status.DISPATCHED,
    ]
    assert got[2]["urgency"] == "emergency"
    assert got[2]["urgency_triggers"]
    assert got[6]["duplicates"] == [0]
    assert got[6]["repeat"] is True
    seventh = Appeal.objects.get(tracking_number=answers[6].tracking_number)
    named = [r for r in seventh.suggestion["reasons"] if r["code"] == "duplicates"]
    assert named == [
        {"code": "duplicates", "tracking_numbers": [answers[0].tracking_number]}
    ]  # no placeholder left
    assert got[3]["has_code"]
    assert answers[3].access_code
    assert not any(a.access_code for a in answers[:3])
    assert [a.appeal_status for a in answers] == [g["status"] for g in got]
    assert all(g["audit"] for g in got)
    assert audit_verify().ok


def test_a_batch_checks_duplicates_against_recent_appeals(district):
    actor = Actor.staff(district.operator)
    earlier = appeal_submit(data=inputs()[0], actor=actor).appeal
    answers = appeals_submit_batch(
        items=[BatchItem(data=inputs()[6]), BatchItem(data=inputs()[1])], actor=actor
    )
    first = Appeal.objects.get(tracking_number=answers[0].tracking_number)
    other = Appeal.objects.get(tracking_number=answers[1].tracking_number)
    assert [d["tracking_number"] for d in first.suggestion["duplicates"]] == [earlier.tracking_number]
    duplicates_reason = [r for r in first.suggestion["reasons"] if r["code"] == "duplicates"]
    assert duplicates_reason == [{"code": "duplicates", "tracking_numbers": [earlier.tracking_number]}]
    assert other.suggestion["duplicates"] == []


def test_each_item_is_idempotent_on_replay(district):
    actor = Actor.staff(district.operator)
    data = inputs()
    items = [BatchItem(data=d, idempotency_key=f"k-{i}") for i, d in enumerate(data)]
    first = appeals_submit_batch(items=items, actor=actor, idempotency_scope="api:user:1")
    count = Appeal.objects.count()

    again = appeals_submit_batch(items=items, actor=actor, idempotency_scope="api:user:1")

    assert [a.status for a in first] == [201] * 7
    assert [a.status for a in again] == [200] * 7
    assert [a.tracking_number for a in again] == [a.tracking_number for a in first]
    assert again[3].access_code == first[3].access_code is not None  # the anonymous item's code, again
    assert Appeal.objects.count() == count
    assert IdempotencyRecord.objects.count() == 7
    # the single intake shares the key space: it replays what the batch created
    single = appeal_submit(data=data[0], actor=actor, idempotency_key="k-0", idempotency_scope="api:user:1")
    assert not single.created
    assert single.appeal.tracking_number == first[0].tracking_number
    # the same key with another body is refused, that item only
    changed = appeals_submit_batch(
        items=[BatchItem(data=data[1], idempotency_key="k-0"), items[1]],
        actor=actor,
        idempotency_scope="api:user:1",
    )
    assert [a.status for a in changed] == [409, 200]


def test_a_key_repeated_within_a_batch_is_one_appeal(district):
    actor = Actor.staff(district.operator)
    data = inputs()
    answers = appeals_submit_batch(
        items=[
            BatchItem(data=data[0], idempotency_key="same"),
            BatchItem(data=data[0], idempotency_key="same"),
            BatchItem(data=data[1], idempotency_key="same"),
        ],
        actor=actor,
        idempotency_scope="api:user:1",
    )
    assert [a.status for a in answers] == [201, 200, 409]
    assert answers[0].tracking_number == answers[1].tracking_number
    assert Appeal.objects.count() == 1


def test_bad_items_and_refusals_are_answered_in_place(district):
    actor = Actor.staff(district.operator)
    calls = []

    def rate_limit() -> None:
        calls.append(1)
        if len(calls) == 3:
            raise RateLimitedError("请稍后再试。")

    items = [
        BatchItem(data=inputs()[0]),
        BatchItem(
            data=AppealInput(
                text=LAMP,
                category_code="NOPE",
                area_code="G1",
                contact_phone="13812341234",
                contact_consent=True,
            )
        ),
        BatchItem(data=inputs()[1]),
        BatchItem(data=AppealInput(text="", contact_phone="13812341234", contact_consent=True)),
        BatchItem(data=AppealInput(text=LAMP, contact_phone="12345")),
        BatchItem(data=inputs()[2], idempotency_key="x" * 101),
    ]
    answers = appeals_submit_batch(items=items, actor=actor, before_each=rate_limit)
    assert [a.status for a in answers] == [201, 400, 429, 400, 400, 400]
    assert [a.error.get("field") if a.error else None for a in answers] == [
        None,
        "category",
        None,
        "text",
        "contact_phone",
        "Idempotency-Key",
    ]
    assert Appeal.objects.count() == 1
    assert audit_verify().ok


def test_notifications_and_messages_wait_for_the_commit(
    district, settings, django_capture_on_commit_callbacks
):
    settings.LIANXIN = {**settings.LIANXIN, "SMS_BACKEND": "lianxin.core.sms.MemorySmsBackend"}
    MemorySmsBackend.outbox.clear()
    actor = Actor.staff(district.operator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answers = appeals_submit_batch(items=[BatchItem(data=d) for d in inputs()], actor=actor)
    assert Notification.objects.count() == 0
    assert MemorySmsBackend.outbox == []
    for callback in callbacks:
        callback()
    dispatched = [a.tracking_number for a in answers if a.appeal_status == Status.DISPATCHED]
    notices = Notification.objects.filter(kind="dispatched")
    assert sorted(n.title.split("：")[1] for n in notices) == sorted(filter(None, dispatched))
    assert {n.user_id for n in notices} == {district.handler_city.pk, district.handler_env.pk}
    # every appeal with a number is told its tracking number; the anonymous one without a phone is not
    assert sorted(m.reference for m in MemorySmsBackend.outbox) == sorted(
        a.tracking_number or "" for i, a in enumerate(answers) if i != 3
    )


def test_events_of_a_batch_are_in_the_audit_chain_once_each(district):
    actor = Actor.staff(district.operator)
    before = AuditEntry.objects.count()
    appeals_submit_batch(items=[BatchItem(data=d) for d in inputs()], actor=actor)
    assert AuditEntry.objects.count() - before == AppealEvent.objects.count()
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert audit_verify().ok
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None
    AuditEntry.objects.filter(pk=entry.pk).update(data={**entry.data, "to": "closed"})
    assert not audit_verify().ok
