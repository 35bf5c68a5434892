"""`POST /api/v1/appeals:batch`: each item taken in like a single submission and answered on its own."""

from __future__ import annotations

import pytest

from lianxin.appeals.models import Appeal, AppealEvent, Channel, IdempotencyRecord, Status
from lianxin.audit.models import AuditEntry
from lianxin.audit.services import audit_verify
from lianxin.notifications.models import Notification

from .conftest import PNG_BYTES, appeal_body

pytestmark = pytest.mark.django_db

BATCH = "/appeals:batch"


def item(key: str = "", **overrides):
    body = appeal_body(**overrides)
    if key:
        body["idempotency_key"] = key
    return body


def test_mixed_items_are_answered_one_by_one_in_order(api, district, django_capture_on_commit_callbacks):
    items = [
        item(),
        item(category="NOPE"),
        item(text="长" * 4001),
        item(contact_phone=""),
        item(colour="red"),
        "not an object",
        item(text="和平小区门口垃圾堆了三天没人清运，气味很大。", category="HB", area="G2"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(BATCH, {"items": items}, user=district.operator)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["replayed"], body["failed"]) == (2, 0, 5)
    results = body["results"]
    assert [r["index"] for r in results] == list(range(7))
    assert [r["status"] for r in results] == [201, 400, 400, 400, 400, 400, 201]
    fields = [r["error"]["field"] if r["error"] else None for r in results]
    assert fields == [None, "category", "text", "contact_phone", "colour", None, None]
    assert "NOPE" in results[1]["error"]["message"]
    assert "4000" in results[2]["error"]["message"]
    assert "JSON 对象" in results[5]["error"]["message"]
    # the good items were taken in, the bad ones left nothing behind
    assert Appeal.objects.count() == 2
    first = Appeal.objects.get(tracking_number=results[0]["tracking_number"])
    last = Appeal.objects.get(tracking_number=results[6]["tracking_number"])
    assert first.status == Status.DISPATCHED
    assert first.unit == district.unit_city
    assert last.status == Status.DISPATCHED
    assert last.unit == district.unit_env
    assert results[0]["appeal_status"] == Status.DISPATCHED
    for appeal in (first, last):
        assert appeal.accept_due_at
        assert appeal.resolve_due_at
        assert appeal.resolve_due_at > appeal.accept_due_at
        assert list(appeal.events.order_by("pk").values_list("type", flat=True)) == [
            "submitted",
            "triaged",
            "dispatched",
        ]
        assert AuditEntry.objects.filter(object_id=appeal.tracking_number).count() == 3
    assert audit_verify().ok
    # the units were told after commit
    assert Notification.objects.filter(
        user=district.handler_city, title__contains=first.tracking_number
    ).exists()
    assert Notification.objects.filter(
        user=district.handler_env, title__contains=last.tracking_number
    ).exists()


def test_a_batch_item_is_taken_in_exactly_like_a_single_submission(api, district):
    single = api.post("/appeals", appeal_body(channel="hotline"), user=district.operator).json()
    batch = api.post(BATCH, {"items": [item(channel="hotline")]}, user=district.operator).json()
    one = Appeal.objects.get(tracking_number=single["tracking_number"])
    other = Appeal.objects.get(tracking_number=batch["results"][0]["tracking_number"])
    same = (
        "status",
        "channel",
        "category_id",
        "area_id",
        "unit_id",
        "urgency",
        "priority",
        "suggested_unit_id",
        "contact_phone",
        "contact_name",
        "is_anonymous",
    )
    assert {f: getattr(one, f) for f in same} == {f: getattr(other, f) for f in same}
    assert other.channel == Channel.HOTLINE
    assert other.accept_due_at
    assert other.dispatched_at
    assert one.accept_due_at
    assert one.dispatched_at
    assert (other.accept_due_at - other.dispatched_at) == (
        one.accept_due_at - one.dispatched_at
    ) or other.accept_due_at.date() == one.accept_due_at.date()
    kinds = [
        list(AppealEvent.objects.filter(appeal=a).order_by("pk").values_list("type", "actor_label"))
        for a in (one, other)
    ]
    assert kinds[0] == kinds[1]
    assert other.suggestion["unit"] == one.suggestion["unit"] == "U-CG"
    assert audit_verify().ok


def test_classifier_abstention_leaves_the_item_for_a_dispatcher(api, district):
    """Without a category and without a model the engine abstains: submitted, not dispatched."""
    response = api.post(BATCH, {"items": [item(category="")]}, user=district.operator)
    result = response.json()["results"][0]
    assert result["status"] == 201
    assert result["appeal_status"] == Status.SUBMITTED
    appeal = Appeal.objects.get(tracking_number=result["tracking_number"])
    assert appeal.unit is None
    assert appeal.suggestion["abstained"] is True
    assert list(appeal.events.values_list("type", flat=True)) == ["submitted", "triaged"]


def test_replayed_items_return_their_first_result(api, district):
    items = [item("k-1"), item("k-2", text="东街道路面塌陷一个坑，车辆经过很危险。"), item()]
    first = api.post(BATCH, {"items": items}, user=district.operator).json()
    assert [r["status"] for r in first["results"]] == [201, 201, 201]
    again = api.post(BATCH, {"items": items}, user=district.operator).json()
    # keyed items are replayed (200, same appeal); the unkeyed one is a new appeal, as on the single path
    assert [r["status"] for r in again["results"]] == [200, 200, 201]
    assert (again["created"], again["replayed"]) == (1, 2)
    for before, after in zip(first["results"][:2], again["results"][:2], strict=True):
        assert after["tracking_number"] == before["tracking_number"]
        assert after["created"] is False
    assert Appeal.objects.count() == 4
    assert IdempotencyRecord.objects.count() == 2
    # the same key with another body is refused for that item only
    changed = api.post(
        BATCH, {"items": [item("k-1", text="另一件事：噪音扰民。"), item("k-3")]}, user=district.operator
    ).json()
    assert [r["status"] for r in changed["results"]] == [409, 201]
    assert changed["results"][0]["error"]["error"] == "conflict"
    # one key space with the single endpoint, and a key repeated inside one batch is replayed
    single = api.post("/appeals", appeal_body(), user=district.operator, headers={"Idempotency-Key": "k-3"})
    assert single.status_code == 200
    assert single.json()["tracking_number"] == changed["results"][1]["tracking_number"]
    twice = api.post(BATCH, {"items": [item("k-4"), item("k-4")]}, user=district.operator).json()
    assert [r["status"] for r in twice["results"]] == [201, 200]


def test_anonymous_replay_gives_the_query_code_again(api, district):
    anon = item("a-1", anonymous=True, contact_phone="", contact_name="", contact_consent=False)
    first = api.post(BATCH, {"items": [anon]}).json()["results"][0]
    again = api.post(BATCH, {"items": [anon]}).json()["results"][0]
    assert first["status"] == 201
    assert again["status"] == 200
    assert len(first["access_code"]) == 6
    assert again["access_code"] == first["access_code"]
    appeal = Appeal.objects.get(tracking_number=first["tracking_number"])
    assert appeal.channel == Channel.API
    assert appeal.contact_name == ""
    assert appeal.is_anonymous


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"items": [item()] * 501}, "items", "500"),
        ({"items": []}, "items", "至少"),
        ({"items": "x"}, "items", "数组"),
        ({}, "items", "缺少"),
        ({"items": [item()], "extra": 1}, "extra", "不认识"),
    ],
)
def test_a_malformed_envelope_is_refused_whole(api, district, payload, field, words):
    response = api.post(BATCH, payload, user=district.operator)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert words in response.json()["message"]
    assert Appeal.objects.count() == 0


def test_attachments_are_refused_per_item(api, district):
    import base64

    files = [{"name": "a.png", "content_base64": base64.b64encode(PNG_BYTES).decode()}]
    body = api.post(BATCH, {"items": [item(attachments=files), item()]}, user=district.operator).json()
    assert [r["status"] for r in body["results"]] == [400, 201]
    assert body["results"][0]["error"]["field"] == "attachments"


def test_public_callers_get_the_api_channel_and_are_rate_limited_per_item(api, district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "ANON_SUBMIT_RATE": "2/h"}
    body = api.post(BATCH, {"items": [item(channel="hotline", urgency="emergency")] * 3}).json()
    assert [r["status"] for r in body["results"]] == [201, 201, 429]
    assert body["results"][2]["error"]["error"] == "rate_limited"
    appeal = Appeal.objects.get(tracking_number=body["results"][0]["tracking_number"])
    assert appeal.channel == Channel.API
    assert appeal.urgency != "emergency"
    # the limit is the single endpoint's: it is used up too
    assert api.post("/appeals", appeal_body()).status_code == 429
    # staff tokens are not limited
    staff = api.post(BATCH, {"items": [item()] * 3}, user=district.operator).json()
    assert staff["created"] == 3


def test_a_read_only_token_cannot_submit_a_batch(api, district):
    from lianxin.org.services import api_token_create

    _token, raw = api_token_create(user=district.operator, name="ro", scopes=["read"])
    response = api.post(BATCH, {"items": [item()]}, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code in (401, 403)
    assert Appeal.objects.count() == 0
