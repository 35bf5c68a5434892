"""Notices and planned works over the API: the public list and page without a login, publishing
(subscribers told), withdrawing (then gone from the public side), and each refusal with its reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.notifications.models import Notification
from lianxin.proactive import services

pytestmark = pytest.mark.django_db


def _body(district, **over):
    start = timezone.now() + dt.timedelta(days=1)
    body = {
        "kind": "water",
        "title": "幸福小区计划停水",
        "body": "更换水管，请提前储水。",
        "area": district.grid_a.code,
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=4)).isoformat(),
    }
    body.update(over)
    return body


def test_publish_list_and_withdraw(api, district, django_capture_on_commit_callbacks):
    services.subscription_create(user=district.resident, area=district.community_a)
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post("/proactive/notices", _body(district), user=district.grid_worker_a)
    assert r.status_code == 201, r.content
    notice = r.json()
    assert notice["status"] == "published"
    assert notice["notified"] == 1
    assert notice["area"] == district.grid_a.code
    assert Notification.objects.filter(user=district.resident, title__contains="幸福小区计划停水").exists()

    public = api.get(
        "/proactive/notices", area=district.community_a.code
    )  # no login; the area above the grid
    assert public.status_code == 200
    assert [n["id"] for n in public.json()] == [notice["id"]]
    assert "notified" not in public.json()[0]  # managers' figures are not public
    assert (
        api.get("/proactive/notices", area=district.grid_b.code).json() == []
    )  # a sibling grid: not affected
    assert api.get(f"/proactive/notices/{notice['id']}").json()["title"] == "幸福小区计划停水"
    managed = api.get("/proactive/notices/managed", user=district.grid_worker_a)
    assert [n["id"] for n in managed.json()] == [notice["id"]]

    r = api.post(
        f"/proactive/notices/{notice['id']}/withdraw", {"reason": "施工改期"}, user=district.grid_worker_a
    )
    assert r.status_code == 200
    assert r.json()["status"] == "withdrawn"
    assert r.json()["withdrawn_reason"] == "施工改期"
    assert api.get(f"/proactive/notices/{notice['id']}").status_code == 404
    assert api.get("/proactive/notices").json() == []
    again = api.post(
        f"/proactive/notices/{notice['id']}/withdraw", {"reason": "再撤"}, user=district.grid_worker_a
    )
    assert again.status_code == 409


def test_refusals_say_what_is_wrong(api, district):
    outside = api.post(
        "/proactive/notices", _body(district, area=district.grid_b.code), user=district.grid_worker_a
    )
    assert outside.status_code == 403
    assert "自己负责的区域" in outside.json()["message"]
    resident = api.post("/proactive/notices", _body(district), user=district.resident)
    assert resident.status_code == 403
    unknown = api.post("/proactive/notices", _body(district, area="NO-SUCH"), user=district.grid_worker_a)
    assert unknown.status_code == 400
    assert unknown.json()["field"] == "area"
    assert "NO-SUCH" in unknown.json()["message"]
    start = timezone.now() + dt.timedelta(days=1)
    backwards = api.post(
        "/proactive/notices",
        _body(district, starts_at=start.isoformat(), ends_at=(start - dt.timedelta(hours=1)).isoformat()),
        user=district.grid_worker_a,
    )
    assert backwards.status_code == 400
    assert backwards.json()["field"] == "ends_at"
    assert api.get("/proactive/notices", area="NO-SUCH").status_code == 400
    assert api.get("/proactive/notices/managed").status_code == 401
    assert api.get("/proactive/notices/managed", user=district.resident).status_code == 403
