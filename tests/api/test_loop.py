"""The appeal loop over the API: reply review (approve / reject), rating a merged appeal, the
call-back (回访) and the chase (催办) — each through the service functions, with every role's
refusals (403 / 404), wrong states (409) and bad input (400)."""

from __future__ import annotations

import pytest

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.models import AppealEvent, EventType, ReplyReview, ReplyReviewRule, ReviewerKind, Status
from lianxin.notifications.models import Notification
from tests.appeals.helpers import accepted, replied, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    ReplyReviewRule.objects.create(unit=district.unit_city, reviewer=ReviewerKind.CENTRE)
    appeal = accepted(district)
    services.appeal_reply(appeal=appeal, actor=Actor.staff(district.handler_city), text="路灯已于今日修复。")
    appeal.refresh_from_db()
    assert appeal.status == Status.ACCEPTED
    return appeal


def test_reviewer_approves_the_held_reply(api, district, held):
    tn = held.tracking_number
    response = api.post(f"/appeals/{tn}/reply/approve", {"note": "答复完整"}, user=district.dispatcher)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "replied"
    assert body["reply_text"] == "路灯已于今日修复。"
    assert ReplyReview.objects.get().status == "approved"
    again = api.post(f"/appeals/{tn}/reply/approve", {}, user=district.dispatcher)
    assert again.status_code == 409


def test_reviewer_rejects_with_a_reason_only(api, district, held):
    tn = held.tracking_number
    empty = api.post(f"/appeals/{tn}/reply/reject", {"reason": "  "}, user=district.supervisor)
    assert empty.status_code == 400
    assert empty.json()["field"] == "reason"
    too_long = api.post(f"/appeals/{tn}/reply/reject", {"reason": "长" * 5000}, user=district.supervisor)
    assert too_long.status_code == 400
    response = api.post(f"/appeals/{tn}/reply/reject", {"reason": "请写明修复时间"}, user=district.supervisor)
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert ReplyReview.objects.get().status == "rejected"
    assert response.json()["reply_text"] == ""


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("handler_city", 403),  # the unit may not review its own reply
        ("operator", 403),
        ("grid_worker_a", 403),
        ("handler_env", 404),  # another unit does not see the appeal
        ("resident", 404),
        ("leader_b", 404),
    ],
)
def test_review_refusals(api, district, held, who, code):
    user = getattr(district, who)
    for verb, body in (("approve", {}), ("reject", {"reason": "不行"})):
        response = api.post(f"/appeals/{held.tracking_number}/reply/{verb}", body, user=user)
        assert response.status_code == code, (who, verb, response.content)
    assert ReplyReview.objects.get().status == "pending"


def test_review_needs_a_token(api, held):
    assert api.post(f"/appeals/{held.tracking_number}/reply/approve", {}).status_code == 401


def test_no_pending_review_is_a_409_with_the_reason(api, district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    appeal = accepted(district)
    response = api.post(f"/appeals/{appeal.tracking_number}/reply/approve", {}, user=district.dispatcher)
    assert response.status_code == 409
    assert "没有待审核的答复" in response.json()["message"]


# --- rating a merged appeal -------------------------------------------------------------------------


@pytest.fixture
def merged_pair(district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    survivor = replied(district)
    duplicate = submit(district, contact_phone="13955556666", text="幸福小区3栋门口的路灯不亮，晚上很黑。")
    services.appeal_merge(appeal=duplicate, actor=Actor.staff(district.dispatcher), into=survivor)
    duplicate.refresh_from_db()
    return survivor, duplicate


def test_the_merged_residents_rating_counts_for_the_survivors_unit(api, merged_pair, district):
    _survivor, duplicate = merged_pair
    response = api.post(
        f"/appeals/{duplicate.tracking_number}/rate",
        {"proof": "6666", "satisfaction": "basic", "solved": True},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "merged"
    event = AppealEvent.objects.get(appeal=duplicate, type=EventType.RATED)
    assert event.data["merged"] is True
    assert event.unit_id == district.unit_city.pk
    again = api.post(
        f"/appeals/{duplicate.tracking_number}/rate", {"proof": "6666", "satisfaction": "satisfied"}
    )
    assert again.status_code == 409
    assert "已经评价" in again.json()["message"]


def test_merged_rating_refusals(api, merged_pair, district):
    _survivor, duplicate = merged_pair
    tn = duplicate.tracking_number
    wrong_proof = api.post(f"/appeals/{tn}/rate", {"proof": "0000", "satisfaction": "satisfied"})
    assert wrong_proof.status_code == 404
    for user, code in (
        (district.dispatcher, 403),
        (district.operator, 403),  # staff never rate for them here
        (district.handler_city, 404),
        (district.other_resident, 404),
    ):
        assert api.post(f"/appeals/{tn}/rate", {"satisfaction": "satisfied"}, user=user).status_code == code
    bad = api.post(f"/appeals/{tn}/rate", {"proof": "6666", "satisfaction": "great"})
    assert bad.status_code == 400
    assert not AppealEvent.objects.filter(appeal=duplicate, type=EventType.RATED).exists()


def test_merged_before_the_survivor_replied_is_a_409(api, district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    survivor = accepted(district)
    duplicate = submit(district, contact_phone="13955556666")
    services.appeal_merge(appeal=duplicate, actor=Actor.staff(district.dispatcher), into=survivor)
    response = api.post(
        f"/appeals/{duplicate.tracking_number}/rate", {"proof": "6666", "satisfaction": "satisfied"}
    )
    assert response.status_code == 409
    assert "答复后才能评价" in response.json()["message"]


# --- call-back --------------------------------------------------------------------------------------


@pytest.fixture
def answered(district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False, "CALLBACK_MAX_ATTEMPTS": 2}
    return replied(district)


def test_a_reached_callback_is_the_residents_rating(api, district, answered):
    response = api.post(
        f"/appeals/{answered.tracking_number}/callback",
        {"outcome": "reached", "satisfaction": "satisfied", "solved": True, "note": "群众表示满意"},
        user=district.operator,
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"
    assert response.json()["satisfaction"] == "satisfied"
    rated = AppealEvent.objects.get(appeal=answered, type=EventType.RATED)
    assert rated.data["via"] == "callback"
    assert rated.actor_id == district.operator.pk


def test_a_callback_may_reopen_for_the_resident(api, district, answered):
    response = api.post(
        f"/appeals/{answered.tracking_number}/callback",
        {
            "outcome": "reached",
            "satisfaction": "dissatisfied",
            "solved": False,
            "reopen_reason": "路灯仍然不亮",
        },
        user=district.dispatcher,
    )
    assert response.status_code == 200
    assert response.json()["status"] == "dispatched"


def test_unanswered_callbacks_close_as_unreachable(api, district, answered):
    tn = answered.tracking_number
    first = api.post(f"/appeals/{tn}/callback", {"outcome": "no_answer"}, user=district.operator)
    assert first.status_code == 200
    assert first.json()["status"] == "replied"
    second = api.post(f"/appeals/{tn}/callback", {"outcome": "no_answer"}, user=district.admin)
    assert second.status_code == 200
    assert second.json()["status"] == "closed"
    closed = AppealEvent.objects.get(appeal=answered, type=EventType.CLOSED)
    assert closed.data["callback_unreachable"] is True
    assert (
        api.post(f"/appeals/{tn}/callback", {"outcome": "no_answer"}, user=district.operator).status_code
        == 409
    )


def test_callback_input_is_checked(api, district, answered):
    tn = answered.tracking_number
    no_rating = api.post(f"/appeals/{tn}/callback", {"outcome": "reached"}, user=district.operator)
    assert no_rating.status_code == 400
    assert no_rating.json()["field"] == "satisfaction"
    for body in (
        {"outcome": "busy"},
        {"outcome": "reached", "satisfaction": "great"},
        {"outcome": "no_answer", "note": "长" * 5000},
        {"outcome": "no_answer", "extra": 1},
    ):
        assert api.post(f"/appeals/{tn}/callback", body, user=district.operator).status_code == 400, body
    assert not AppealEvent.objects.filter(appeal=answered, type=EventType.CALLBACK_ATTEMPTED).exists()


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("handler_city", 403),
        ("supervisor", 403),
        ("grid_worker_a", 403),
        ("handler_env", 404),
        ("resident", 404),
        ("leader_b", 404),
    ],
)
def test_callback_refusals(api, district, answered, who, code):
    response = api.post(
        f"/appeals/{answered.tracking_number}/callback",
        {"outcome": "reached", "satisfaction": "satisfied"},
        user=getattr(district, who),
    )
    assert response.status_code == code, (who, response.content)
    answered.refresh_from_db()
    assert answered.status == Status.REPLIED
    assert answered.satisfaction == ""


def test_callback_before_the_reply_is_a_409(api, district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    appeal = accepted(district)
    response = api.post(
        f"/appeals/{appeal.tracking_number}/callback", {"outcome": "no_answer"}, user=district.operator
    )
    assert response.status_code == 409


# --- chase ------------------------------------------------------------------------------------------


def test_the_hotline_records_a_chase_and_the_unit_is_told(
    api, district, settings, django_capture_on_commit_callbacks
):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    appeal = accepted(district)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/appeals/{appeal.tracking_number}/chase",
            {"kind": "chase", "note": "群众再次来电催问"},
            user=district.operator,
        )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    event = AppealEvent.objects.get(appeal=appeal, type=EventType.CHASED)
    assert event.data["kind"] == "chase"
    assert event.note == "群众再次来电催问"
    assert Notification.objects.filter(user=district.handler_city, kind="chased").exists()


def test_the_resident_may_supplement_but_not_chase(api, district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    appeal = accepted(district)
    tn = appeal.tracking_number
    chase = api.post(f"/appeals/{tn}/chase", {"proof": "1234", "kind": "chase", "note": "怎么还没修"})
    assert chase.status_code == 403
    assert "热线" in chase.json()["message"]
    ok = api.post(f"/appeals/{tn}/chase", {"proof": "1234", "kind": "supplement", "note": "灯杆编号 A-12"})
    assert ok.status_code == 200
    assert AppealEvent.objects.filter(appeal=appeal, type=EventType.CHASED).count() == 1


def test_chase_refusals_and_input(api, district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    appeal = accepted(district)
    tn = appeal.tracking_number
    for who, code in (
        ("handler_city", 403),
        ("supervisor", 403),
        ("handler_env", 404),
        ("other_resident", 404),
    ):
        response = api.post(
            f"/appeals/{tn}/chase", {"kind": "chase", "note": "催"}, user=getattr(district, who)
        )
        assert response.status_code == code, (who, response.content)
    assert (
        api.post(f"/appeals/{tn}/chase", {"kind": "chase", "note": "催"}).status_code == 404
    )  # no proof, no token
    empty = api.post(f"/appeals/{tn}/chase", {"kind": "chase", "note": " "}, user=district.operator)
    assert empty.status_code == 400
    assert empty.json()["field"] == "note"
    assert (
        api.post(f"/appeals/{tn}/chase", {"kind": "shout", "note": "x"}, user=district.operator).status_code
        == 400
    )
    assert not AppealEvent.objects.filter(appeal=appeal, type=EventType.CHASED).exists()


def test_a_closed_appeal_cannot_be_chased(api, district, answered):
    services.appeal_rate(appeal=answered, actor=Actor.resident(), satisfaction="satisfied", solved=True)
    response = api.post(
        f"/appeals/{answered.tracking_number}/chase",
        {"kind": "chase", "note": "再催"},
        user=district.operator,
    )
    assert response.status_code == 409
    assert "重办" in response.json()["message"]


def test_the_new_endpoints_are_in_the_openapi_document(api):
    paths = api.get("/openapi.json").json()["paths"]
    for suffix in ("/reply/approve", "/reply/reject", "/callback", "/chase"):
        operation = paths[f"/api/v1/appeals/{{tracking_number}}{suffix}"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert "$ref" in body or body.get("properties"), suffix
    schemas = api.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["CallbackIn"]["properties"]["note"]["maxLength"] > 0
    assert schemas["ChaseIn"]["properties"]["note"]["maxLength"] > 0
