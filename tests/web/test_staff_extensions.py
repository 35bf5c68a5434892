"""The extensions queue (待审批延期) on the staff workbench: the home count, the queue page, who
gets it, and the API's `?queue=extensions`."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from lianxin.appeals.models import Appeal
from lianxin.org.models import Role
from tests.api.conftest import Api
from tests.appeals import helpers
from tests.factories import staff

pytestmark = pytest.mark.django_db

COUNT = re.compile(r'id="count-extensions"><span class="n">((?:约 )?\d+)</span>待审批延期')


def _count(client) -> str | None:
    """The extensions count on the staff home, or None when the home has no such queue."""
    html = client.get("/staff/").content.decode()
    match = COUNT.search(html)
    assert (match is None) == ('id="count-extensions"' not in html)
    return match.group(1) if match else None


def _listed(client, appeal: Appeal, **params) -> bool:
    response = client.get("/staff/queue/extensions/", params)
    assert response.status_code == 200
    return appeal.tracking_number in response.content.decode()


def _request_extension(client_for, district, appeal: Appeal) -> None:
    r = client_for(district.handler_city).post(
        f"/staff/appeals/{appeal.pk}/act/request_extension/",
        {"request_extension-working_days": "3", "request_extension-reason": "需要采购配件，供货商月底到货"},
    )
    assert r.status_code == 302


@pytest.mark.parametrize("decision", ["yes", "no"])
def test_requested_extension_waits_in_the_dispatchers_queue_until_decided(client_for, district, decision):
    appeal = helpers.accepted(district)
    d = client_for(district.dispatcher)
    assert _count(d) == "0"
    assert not _listed(d, appeal)
    _request_extension(client_for, district, appeal)
    assert _count(d) == "1"
    html = d.get("/staff/queue/extensions/").content.decode()
    assert appeal.tracking_number in html
    assert "3 个工作日" in html
    assert "需要采购配件，供货商月底到货" in html
    assert 'aria-current="page">待审批延期' in html
    # the same filters and search as every queue
    assert _listed(d, appeal, q=appeal.tracking_number)
    assert _listed(d, appeal, area="S1")
    assert not _listed(d, appeal, area="S2")
    assert not _listed(d, appeal, kind="report")

    r = d.post(
        f"/staff/appeals/{appeal.pk}/act/decide_extension/",
        {
            "decide_extension-approve": decision,
            "decide_extension-note": "请按期办结" if decision == "no" else "",
        },
    )
    assert r.status_code == 302
    assert _count(d) == "0"
    assert not _listed(d, appeal)


def test_only_deciders_in_their_jurisdiction_get_the_queue(client_for, district):
    appeal = helpers.accepted(district)  # grid G1, street A
    _request_extension(client_for, district, appeal)
    dispatcher_a = staff(Role.DISPATCHER, area=district.street_a, username="dispatcher_a")
    dispatcher_b = staff(Role.DISPATCHER, area=district.street_b, username="dispatcher_b")
    for user, count, listed in [
        (dispatcher_a, "1", True),
        (dispatcher_b, "0", False),  # another street: the queue, but not this request
        (district.supervisor, "1", True),
        (district.leader_b, "0", False),
        (district.admin, "1", True),
    ]:
        c = client_for(user)
        assert (_count(c), _listed(c, appeal)) == (count, listed), user.username
    # no such queue for those who do not decide; asking for it answers like any queue not theirs
    # (as a handler asking for to_dispatch): the page, with nothing in it they may not act on
    for user in (district.handler_city, district.handler_env, district.operator, district.grid_worker_a):
        c = client_for(user)
        assert _count(c) is None, user.username
        assert "待审批延期" not in c.get("/staff/queue/all/").content.decode()  # not in the queue menu
        assert not _listed(c, appeal), user.username
        assert c.get("/staff/queue/to_dispatch/").status_code == 200
    assert client_for(district.resident).get("/staff/queue/extensions/").status_code == 403


def test_api_queue_extensions_returns_the_same_appeals(client_for, district):
    waiting = helpers.accepted(district)
    _request_extension(client_for, district, waiting)
    helpers.accepted(district)  # accepted, no request
    api = Api()
    for user in (district.dispatcher, district.supervisor, district.leader_b, district.handler_city):
        body = api.get("/appeals", user=user, queue="extensions").json()
        web = client_for(user).get("/staff/queue/extensions/").content.decode()
        codes = [r["tracking_number"] for r in body["results"]]
        assert body["count"] == len(codes)
        assert set(codes) == {a.tracking_number for a in Appeal.objects.all() if a.tracking_number in web}
    assert [
        r["tracking_number"]
        for r in api.get("/appeals", user=district.dispatcher, queue="extensions").json()["results"]
    ] == [waiting.tracking_number]
    assert api.get("/appeals", user=district.handler_city, queue="extensions").json()["count"] == 0


def test_extensions_queue_query_count_is_capped(client_for, district, django_assert_max_num_queries):
    for i in range(30):
        appeal = helpers.accepted(district)
        if i % 2:
            _request_extension(client_for, district, appeal)
    c = client_for(district.dispatcher)
    c.get("/staff/queue/extensions/")  # warm the session
    with django_assert_max_num_queries(10):
        html = c.get("/staff/queue/extensions/").content.decode()
    assert html.count("需要采购配件") == 15


def test_extensions_count_is_capped_like_the_other_queues(client_for, district, monkeypatch):
    from lianxin.web.views import staff as staff_views

    monkeypatch.setattr(staff_views, "COUNT_CAP", 2)
    for _ in range(3):
        _request_extension(client_for, district, helpers.accepted(district))
    shown = _count(client_for(district.dispatcher))  # beyond the cap: an estimate on PostgreSQL
    assert (shown == "3") if connection.vendor == "sqlite" else (shown or "").startswith("约 ")
