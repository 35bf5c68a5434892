"""`/api/v1/activities…`: each role's access, bounded inputs, the masked public views."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.activities.models import HoursEntry, Signup, SignupStatus
from lianxin.audit.models import AuditEntry

from .factories import make_activity, make_wish

pytestmark = pytest.mark.django_db


def _create_body(area="G1", **over):
    start = timezone.now() + dt.timedelta(days=2)
    body = {
        "kind": "volunteer",
        "title": "敬老院志愿服务",
        "place": "幸福敬老院",
        "area": area,
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
        "capacity": 1,
    }
    body.update(over)
    return body


def test_create_publish_signup_waitlist_roster(api, district):
    assert api.post("/activities", _create_body(), user=district.resident).status_code == 403
    assert api.post("/activities", _create_body(area="G2"), user=district.grid_worker_a).status_code == 403
    bad = api.post("/activities", _create_body(capacity=0), user=district.grid_worker_a)
    assert bad.status_code == 400
    assert bad.json()["field"] == "capacity"
    bad = api.post("/activities", _create_body(area="NOPE"), user=district.grid_worker_a)
    assert bad.status_code == 400
    assert bad.json()["field"] == "area"
    assert (
        api.post("/activities", _create_body(title="x" * 101), user=district.grid_worker_a).status_code == 400
    )
    created = api.post("/activities", _create_body(), user=district.grid_worker_a)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert api.get(f"/activities/{pk}").status_code == 404  # a draft is not public
    assert (
        api.post(f"/activities/{pk}/publish", user=district.resident).status_code == 404
    )  # not theirs to see
    assert api.post(f"/activities/{pk}/publish", user=district.grid_worker_a).json()["status"] == "published"
    assert api.get(f"/activities/{pk}").json()["title"] == "敬老院志愿服务"
    assert [a["id"] for a in api.get("/activities", area="C1").json()] == [
        pk
    ]  # the community sees its grid's
    assert api.get("/activities", area="C2").json() == []
    first = api.post(f"/activities/{pk}/signup", user=district.resident)
    assert first.status_code == 201
    assert first.json()["status"] == "confirmed"
    second = api.post(f"/activities/{pk}/signup", user=district.other_resident)
    assert second.json()["status"] == "waitlisted"
    assert second.json()["waiting_position"] == 1
    assert api.post(f"/activities/{pk}/signup", user=district.resident).status_code == 409
    assert api.get(f"/activities/{pk}/roster", user=district.resident).status_code == 403
    assert api.get(f"/activities/{pk}/roster", user=district.supervisor).status_code == 403
    rows = api.get(f"/activities/{pk}/roster", user=district.grid_worker_a).json()
    assert [r["status"] for r in rows] == ["confirmed", "waitlisted"]
    assert AuditEntry.objects.filter(action="personal_data_view", object_type="activity").exists()
    assert api.post(f"/activities/{pk}/signup/cancel", user=district.resident).json()["status"] == "cancelled"
    assert api.get(f"/activities/{pk}", user=district.other_resident).json()["my_signup"] == "confirmed"
    assert api.post(f"/activities/{pk}/signup", user=None).status_code in (401, 403)


def test_check_in_hours_confirm_and_verify(api, district):
    activity = make_activity(
        organiser=district.grid_worker_a,
        area=district.grid_a,
        starts_in=dt.timedelta(minutes=-90),
        duration=dt.timedelta(hours=2),
    )
    signup = Signup.objects.create(
        activity=activity, user=district.resident, status=SignupStatus.CONFIRMED, created_at=timezone.now()
    )
    base = f"/activities/{activity.pk}"
    assert api.post(f"{base}/check-in", {"code": "nope"}, user=district.resident).status_code == 400
    assert api.post(f"{base}/check-in", {"code": "x" * 65}, user=district.resident).status_code == 400
    assert (
        api.post(f"{base}/check-in", {"code": activity.checkin_code}, user=district.resident).status_code
        == 200
    )
    Signup.objects.filter(pk=signup.pk).update(checked_in_at=activity.starts_at)
    assert api.post(f"{base}/roster/{signup.pk}/check-out", user=district.resident).status_code == 403
    assert api.post(f"{base}/roster/{signup.pk}/check-out", user=district.grid_worker_a).status_code == 200
    pending = api.get(f"{base}/hours", user=district.grid_worker_a).json()
    assert len(pending) == 1
    assert pending[0]["minutes"] >= 89
    entry_id = pending[0]["id"]
    assert api.post(f"/activities/hours/{entry_id}/confirm", {}, user=district.resident).status_code == 403
    done = api.post(
        f"/activities/hours/{entry_id}/confirm", {"minutes": 60}, user=district.grid_worker_a
    ).json()
    assert done["status"] == "confirmed"
    assert done["minutes"] == 60
    ledger = api.get("/activities/me/hours", user=district.resident).json()
    assert ledger["total_minutes"] == 60
    code = HoursEntry.objects.get(pk=entry_id).verification_code
    public = api.get(f"/activities/hours/verify/{code}").json()
    assert public["minutes"] == 60
    assert "*" in public["person"]
    assert api.get("/activities/hours/verify/BAD-CODE").status_code in (400, 404)


def test_wishes_public_masked_and_lifecycle(api, district):
    wish = make_wish(area=district.grid_a, recorded_by=district.grid_worker_a)
    listed = api.get("/activities/wishes").json()
    assert listed[0]["beneficiary"] == ""
    assert listed[0]["phone"] == ""
    assert listed[0]["detail"] == ""
    assert "王" not in str(listed)
    assert "1370000" not in str(listed)
    cadre = api.get(f"/activities/wishes/{wish.pk}", user=district.grid_worker_a).json()
    assert cadre["beneficiary"] == "王秀英"
    assert cadre["phone"] == "13700001234"
    assert api.get(f"/activities/wishes/{wish.pk}/suggestions", user=district.resident).status_code == 403
    assert (
        api.get(f"/activities/wishes/{wish.pk}/suggestions", user=district.grid_worker_a).status_code == 200
    )
    assert (
        api.post(f"/activities/wishes/{wish.pk}/deliver", {}, user=district.resident).status_code == 403
    )  # not the claimer: refused before the status
    assert api.post(f"/activities/wishes/{wish.pk}/fly", {}, user=district.resident).status_code in (
        400,
        404,
        422,
    )
    claimed = api.post(f"/activities/wishes/{wish.pk}/claim", {}, user=district.resident).json()
    assert claimed["status"] == "claimed"
    assert claimed["phone"] == ""
    assert (
        api.post(
            f"/activities/wishes/{wish.pk}/deliver", {"text": "送到了"}, user=district.resident
        ).status_code
        == 200
    )
    closed = api.post(
        f"/activities/wishes/{wish.pk}/confirm", {"text": "谢谢"}, user=district.grid_worker_a
    ).json()
    assert closed["status"] == "closed"
    assert closed["thanks"] == "谢谢"
    raised = api.post(
        "/activities/wishes/raise",
        {"title": "陪诊", "detail": "周二", "area": "G1"},
        user=district.other_resident,
    )
    assert raised.status_code == 201
    assert raised.json()["status"] == "review"
    assert api.get(f"/activities/wishes/{raised.json()['id']}").status_code == 404
    assert (
        api.post(
            "/activities/wishes",
            {"title": "x", "public_text": "y", "area": "G1", "beneficiary_name": "z"},
            user=district.resident,
        ).status_code
        == 403
    )


def test_organizations_register_and_public_page(api, district):
    body = {
        "name": "爱心服务社",
        "kind": "social_org",
        "areas": ["G1"],
        "contact_name": "刘强",
        "contact_phone": "13500001111",
        "categories": ["陪诊"],
    }
    assert api.post("/activities/organizations", body, user=district.resident).status_code == 403
    assert (
        api.post(
            "/activities/organizations", {**body, "areas": ["G1"] * 21}, user=district.grid_worker_a
        ).status_code
        == 400
    )
    made = api.post("/activities/organizations", body, user=district.grid_worker_a)
    assert made.status_code == 201
    public = api.get("/activities/organizations").json()
    assert public[0]["contact_phone"] == "135****1111"
    assert public[0]["contact_name"] == "刘*"
    assert api.get(f"/activities/organizations/{made.json()['id']}").json()["hours"] == 0.0


def test_calendar_list_query_count_does_not_grow_with_rows(api, district, django_assert_max_num_queries):
    for _ in range(30):
        activity = make_activity(organiser=district.grid_worker_a, area=district.grid_a)
        Signup.objects.create(
            activity=activity,
            user=district.resident,
            status=SignupStatus.CONFIRMED,
            created_at=timezone.now(),
        )
    api.get("/activities", user=district.resident)  # the token's first use writes its bookkeeping
    with django_assert_max_num_queries(12):
        rows = api.get("/activities", user=district.resident, page_size=100).json()
    assert len(rows) == 30
    assert all(r["my_signup"] == "confirmed" and r["confirmed"] == 1 for r in rows)


def test_capacity_change_moves_the_waiting_list(api, district):
    activity = make_activity(organiser=district.grid_worker_a, area=district.grid_a, capacity=1)
    api.post(f"/activities/{activity.pk}/signup", user=district.resident)
    api.post(f"/activities/{activity.pk}/signup", user=district.other_resident)
    url = f"/activities/{activity.pk}/capacity"
    assert api.post(url, {"capacity": 2}, user=district.resident).status_code == 403
    assert api.post(url, {"capacity": 0}, user=district.grid_worker_a).status_code == 400
    out = api.post(url, {"capacity": 2}, user=district.grid_worker_a).json()
    assert (out["confirmed"], out["waiting"]) == (2, 0)
    assert api.post(url, {"capacity": 1}, user=district.grid_worker_a).json()["field"] == "capacity"
