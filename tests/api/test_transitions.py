"""Every transition over the API, the whole lifecycle, and the refusals: wrong status (409),
wrong role (403), not visible (404), bad input (400)."""

from __future__ import annotations

import pytest

from lianxin.appeals.models import Appeal, CoHandler, ExtensionRequest, Status
from lianxin.audit.models import AuditEntry
from lianxin.audit.services import AuditAction

from .conftest import appeal_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def tn(api, district, no_auto_dispatch) -> str:
    return api.post("/appeals", appeal_body()).json()["tracking_number"]


def _ok(response, status: str | None = None):
    assert response.status_code == 200, response.content
    body = response.json()
    if status:
        assert body["status"] == status
    return body


def test_whole_lifecycle(api, district, tn):
    d = district
    _ok(
        api.post(f"/appeals/{tn}/dispatch", {"unit": "U-CG", "note": "请尽快"}, user=d.dispatcher),
        "dispatched",
    )
    _ok(api.post(f"/appeals/{tn}/accept", {}, user=d.handler_city), "accepted")
    _ok(api.post(f"/appeals/{tn}/reply", {"text": "已更换灯泡。"}, user=d.handler_city), "replied")
    body = _ok(
        api.post(f"/appeals/{tn}/rate", {"proof": "1234", "satisfaction": "satisfied", "solved": True}),
        "closed",
    )
    assert body["satisfaction"] == "satisfied"
    assert body["reply_text"] == "已更换灯泡。"
    appeal = Appeal.objects.get(tracking_number=tn)
    assert appeal.status == Status.CLOSED
    assert appeal.closed_at is not None
    types = [e["type"] for e in api.get(f"/appeals/{tn}/timeline", user=d.admin).json()]
    assert types == ["submitted", "triaged", "dispatched", "accepted", "replied", "rated"]
    # Reopen once with the resident's proof, then not again.
    _ok(api.post(f"/appeals/{tn}/reopen", {"proof": "1234", "reason": "灯又坏了"}), "dispatched")
    _ok(api.post(f"/appeals/{tn}/accept", {}, user=d.handler_city), "accepted")
    _ok(api.post(f"/appeals/{tn}/reply", {"text": "已更换线路。"}, user=d.handler_city), "replied")
    _ok(api.post(f"/appeals/{tn}/rate", {"proof": "1234", "satisfaction": "basic"}), "closed")
    again = api.post(f"/appeals/{tn}/reopen", {"proof": "1234", "reason": "还是不行"})
    assert again.status_code == 409
    assert "一次" in again.json()["message"]


def test_redispatch_return_and_dispatch_again(api, district, tn):
    d = district
    _ok(api.post(f"/appeals/{tn}/dispatch", {"unit": "U-CG"}, user=d.dispatcher))
    same = api.post(f"/appeals/{tn}/redispatch", {"unit": "U-CG", "note": "x"}, user=d.dispatcher)
    assert same.status_code == 400
    assert same.json()["field"] == "unit"
    no_reason = api.post(f"/appeals/{tn}/redispatch", {"unit": "U-HB"}, user=d.dispatcher)
    assert no_reason.status_code == 400
    assert no_reason.json()["field"] == "note"
    body = _ok(api.post(f"/appeals/{tn}/redispatch", {"unit": "U-HB", "note": "属环保"}, user=d.dispatcher))
    assert body["unit"]["code"] == "U-HB"
    assert api.post(f"/appeals/{tn}/return", {"reason": "x"}, user=d.handler_city).status_code == 404
    empty = api.post(f"/appeals/{tn}/return", {"reason": ""}, user=d.handler_env)
    assert empty.status_code == 400
    assert empty.json()["field"] == "reason"
    _ok(api.post(f"/appeals/{tn}/return", {"reason": "不属于我局"}, user=d.handler_env), "returned")
    _ok(api.post(f"/appeals/{tn}/dispatch", {"unit": "U-S1"}, user=d.dispatcher), "dispatched")
    unknown = api.post(f"/appeals/{tn}/redispatch", {"unit": "U-XX", "note": "x"}, user=d.dispatcher)
    assert unknown.status_code == 400
    assert unknown.json()["field"] == "unit"


def test_co_handler_and_extension(api, district, tn):
    d = district
    _ok(api.post(f"/appeals/{tn}/dispatch", {"unit": "U-CG"}, user=d.dispatcher))
    _ok(api.post(f"/appeals/{tn}/accept", {"note": "收到"}, user=d.handler_city))
    body = _ok(api.post(f"/appeals/{tn}/co-handlers", {"unit": "U-HB"}, user=d.handler_city))
    assert body["co_handlers"] == [{"code": "U-HB", "name": "生态环境局"}]
    _ok(api.post(f"/appeals/{tn}/co-reply", {"text": "环保方面无问题"}, user=d.handler_env))
    assert CoHandler.objects.get().reply_text == "环保方面无问题"
    too_many = api.post(f"/appeals/{tn}/extension", {"working_days": 31, "reason": "x"}, user=d.handler_city)
    assert too_many.status_code == 400
    assert too_many.json()["field"] == "working_days"
    _ok(api.post(f"/appeals/{tn}/extension", {"working_days": 3, "reason": "等配件"}, user=d.handler_city))
    refused_by_role = api.post(f"/appeals/{tn}/extension/decision", {"approve": True}, user=d.handler_city)
    assert refused_by_role.status_code == 403
    due_before = Appeal.objects.get(tracking_number=tn).resolve_due_at
    _ok(api.post(f"/appeals/{tn}/extension/decision", {"approve": True}, user=d.dispatcher))
    assert ExtensionRequest.objects.get().status == "approved"
    due_after = Appeal.objects.get(tracking_number=tn).resolve_due_at
    assert due_after is not None
    assert due_before is not None
    assert due_after > due_before
    none_pending = api.post(
        f"/appeals/{tn}/extension/decision", {"approve": False, "note": "x"}, user=d.dispatcher
    )
    assert none_pending.status_code == 409


def test_answer_directly_merge_and_withdraw(api, district, no_auto_dispatch):
    d = district
    inquiry = api.post("/appeals", appeal_body(kind="inquiry")).json()["tracking_number"]
    _ok(api.post(f"/appeals/{inquiry}/answer", {"text": "请拨打 12345。"}, user=d.operator), "closed")
    complaint = api.post("/appeals", appeal_body()).json()["tracking_number"]
    not_inquiry = api.post(f"/appeals/{complaint}/answer", {"text": "x"}, user=d.operator)
    assert not_inquiry.status_code == 409
    assert not_inquiry.json()["error"] == "transition_not_allowed"
    duplicate = api.post("/appeals", appeal_body(text="同一盏路灯还是不亮。")).json()["tracking_number"]
    body = _ok(api.post(f"/appeals/{duplicate}/merge", {"into": complaint}, user=d.dispatcher), "merged")
    assert body["merged_into"] == complaint
    into_absent = api.post(f"/appeals/{complaint}/merge", {"into": "LX19990101-000001"}, user=d.dispatcher)
    assert into_absent.status_code == 404
    _ok(api.post(f"/appeals/{complaint}/withdraw", {"proof": "1234", "reason": "已自行解决"}), "withdrawn")
    third = api.post("/appeals", appeal_body()).json()["tracking_number"]
    _ok(api.post(f"/appeals/{third}/withdraw", {"reason": "重复来电"}, user=d.operator), "withdrawn")


@pytest.mark.parametrize(
    ("who", "action", "body", "status"),
    [
        ("supervisor", "dispatch", {"unit": "U-CG"}, 403),  # sees it, may not dispatch
        ("handler_city", "dispatch", {"unit": "U-CG"}, 404),  # not dispatched to them: cannot see it
        ("grid_worker_a", "withdraw", {}, 403),
        ("leader_b", "dispatch", {"unit": "U-CG"}, 404),  # another street
        ("other_resident", "withdraw", {}, 404),
        ("supervisor", "answer", {"text": "x"}, 403),
        ("dispatcher", "reply", {"text": "x"}, 409),  # not accepted yet
        (None, "dispatch", {"unit": "U-CG"}, 401),
        (None, "rate", {"proof": "1234", "satisfaction": "satisfied"}, 409),  # not replied yet
        (None, "rate", {"proof": "9999", "satisfaction": "satisfied"}, 404),
        (None, "rate", {"proof": "1234", "satisfaction": "great"}, 400),
        (None, "withdraw", {}, 404),  # no proof, no account
    ],
)
def test_refusals(api, district, tn, who, action, body, status):  # noqa: PLR0917  pytest passes fixtures and parameters by name
    user = getattr(district, who) if who else None
    response = api.post(f"/appeals/{tn}/{action}", body, user=user)
    assert response.status_code == status, response.content
    assert response.json()["message"]
    assert Appeal.objects.get(tracking_number=tn).status == Status.SUBMITTED


def test_transitions_are_audited(api, district, tn):
    api.post(f"/appeals/{tn}/dispatch", {"unit": "U-CG"}, user=district.dispatcher)
    entry = AuditEntry.objects.filter(action=AuditAction.STATE_CHANGE, object_id=tn).last()
    assert entry is not None
    assert entry.actor == district.dispatcher
    assert entry.data["event"] == "dispatched"
