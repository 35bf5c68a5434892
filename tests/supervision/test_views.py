"""Supervision pages: the access matrix, and each page with good input, bad input and a refused role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.appeals.models import Status
from lianxin.audit.models import AuditEntry
from lianxin.org.models import Role
from lianxin.supervision import alerts, rollups
from lianxin.supervision.models import FollowUp, OrderStatus, RaisedWarning, SupervisionOrder
from tests.factories import AppealFactory, UnitFactory, staff

from .conftest import History, at

PERIOD = "2026-05"


@pytest.fixture
def data(district):
    d = district
    d.grid_a.boundary = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    d.grid_a.save()
    # street A (grid_a): handled by the city unit; street B (grid_b): by the environment unit
    a = History(area=d.grid_a, category=d.cat_light, submitted=at("2026-05-06 09:00"))
    a.dispatch(at("2026-05-06 09:10"), d.unit_city).accept(at("2026-05-06 09:30"), d.unit_city)
    a.reply(at("2026-05-07 09:30"), d.unit_city).rate(
        at("2026-05-07 12:00"), d.unit_city, "dissatisfied", False
    )
    b = History(area=d.grid_b, category=d.cat_env, submitted=at("2026-05-06 10:00"))
    b.dispatch(at("2026-05-06 10:10"), d.unit_env).accept(at("2026-05-06 11:30"), d.unit_env)
    rollups.process_events(settle_seconds=0)
    overdue = AppealFactory(
        status=Status.ACCEPTED,
        unit=d.unit_city,
        area=d.grid_a,
        overdue=True,
        resolve_due_at=timezone.now() - dt.timedelta(hours=3),
        title="超期的井盖",
    )
    alerts.evaluate_warnings()
    return {"a": a.appeal, "b": b.appeal, "overdue": overdue}


def login(client, user):
    client.force_login(user)
    return client


# --- dashboards and the access matrix -------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "admin", "leader_b"])
def test_overseers_see_the_dashboard(client, data, district, who):
    response = login(client, getattr(district, who)).get("/supervision/", {"period": PERIOD})
    assert response.status_code == 200
    body = response.content.decode()
    assert "督查考核总览" in body
    assert "以表格查看" in body
    assert "vendor/echarts/echarts.min.js" in body


def test_leader_sees_only_their_jurisdiction(client, data, district):
    body = login(client, district.leader_b).get("/supervision/", {"period": PERIOD}).content.decode()
    assert "生态环境局" in body  # the unit that works in street B
    assert "超期的井盖" not in body  # an overdue appeal in street A
    full = login(client, district.supervisor).get("/supervision/", {"period": PERIOD}).content.decode()
    assert "超期的井盖" in full
    assert "幸福一网格" in full
    assert (
        login(client, district.leader_b).get("/supervision/", {"area": district.street_a.pk}).status_code
        == 404
    )


@pytest.mark.parametrize("who", ["handler_city", "operator", "dispatcher", "grid_worker_a", "resident"])
def test_other_roles_are_refused_the_dashboard(client, data, district, who):
    response = login(client, getattr(district, who)).get("/supervision/")
    assert response.status_code == 403
    assert "督查考核页面仅对督查员、领导和管理员开放" in response.content.decode()


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/supervision/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_dashboard_bad_input(client, data, district):
    c = login(client, district.supervisor)
    response = c.get("/supervision/", {"period": "May"})
    assert response.status_code == 400
    assert "2026-Q2" in response.content.decode()
    assert c.get("/supervision/", {"area": "abc"}).status_code == 400
    assert c.get("/supervision/", {"period": "2026-05", "metric": "satisfaction"}).status_code == 200
    assert c.get("/supervision/", {"period": "2026-Q2"}).status_code == 200


def test_unit_dashboard_shows_only_its_unit(client, data, district):
    body = login(client, district.handler_city).get("/supervision/unit/", {"period": PERIOD}).content.decode()
    assert "城管局" in body
    assert "超期的井盖" in body
    assert "全区" in body
    assert "生态环境局" not in body
    other = login(client, district.handler_city).get("/supervision/unit/", {"unit": district.unit_env.pk})
    assert other.status_code == 404


@pytest.mark.parametrize("who", ["supervisor", "leader_b", "resident", "operator"])
def test_unit_dashboard_refuses_non_unit_staff(client, data, district, who):
    assert login(client, getattr(district, who)).get("/supervision/unit/").status_code == 403


def test_drilldown_lists_the_appeals_behind_a_figure(client, data, district):
    c = login(client, district.supervisor)
    body = c.get("/supervision/drill/", {"figure": "dissatisfied", "period": PERIOD}).content.decode()
    assert f"/staff/appeals/{data['a'].pk}/" in body
    assert data["b"].tracking_number not in body
    body = c.get("/supervision/drill/", {"figure": "received", "period": PERIOD}).content.decode()
    assert data["a"].tracking_number in body
    assert data["b"].tracking_number in body
    assert c.get("/supervision/drill/", {"figure": "nonsense"}).status_code == 400
    assert c.get("/supervision/drill/", {"figure": "received", "period": "2026-13"}).status_code == 400


def test_drilldown_scoping(client, data, district):
    leader = login(client, district.leader_b)
    body = leader.get("/supervision/drill/", {"figure": "received", "period": PERIOD}).content.decode()
    assert data["b"].tracking_number in body
    assert data["a"].tracking_number not in body
    handler = login(client, district.handler_city)
    body = handler.get("/supervision/drill/", {"figure": "assigned", "period": PERIOD}).content.decode()
    assert data["a"].tracking_number in body
    assert data["b"].tracking_number not in body
    assert (
        handler.get("/supervision/drill/", {"figure": "assigned", "unit": district.unit_env.pk}).status_code
        == 404
    )
    assert (
        login(client, district.resident).get("/supervision/drill/", {"figure": "received"}).status_code == 403
    )


# --- warnings and orders --------------------------------------------------------------------------


def test_warnings_page(client, data, district):
    c = login(client, district.supervisor)
    body = c.get("/supervision/warnings/").content.decode()
    assert data["overdue"].tracking_number in body
    assert "转督办" in body
    assert c.get("/supervision/warnings/", {"status": "cleared"}).status_code == 200
    assert c.get("/supervision/warnings/", {"status": "bogus"}).status_code == 400
    assert (
        data["overdue"].tracking_number
        not in login(client, district.leader_b).get("/supervision/warnings/").content.decode()
    )
    assert login(client, district.handler_city).get("/supervision/warnings/").status_code == 403


def test_order_from_warning_through_the_pages(client, data, district):
    warning = RaisedWarning.objects.get(appeal=data["overdue"])
    sup = login(client, district.supervisor)
    form = sup.get("/supervision/orders/new/", {"warning": warning.pk})
    assert form.status_code == 200
    assert "发出督办单" in form.content.decode()
    bad = sup.post(
        "/supervision/orders/new/",
        {"warning": warning.pk, "title": "", "instructions": "x", "due_working_days": "3"},
    )
    assert bad.status_code == 400
    assert "请按提示修改" in bad.content.decode()
    bad = sup.post(
        "/supervision/orders/new/",
        {"warning": warning.pk, "title": "t", "instructions": "x", "due_working_days": "99"},
    )
    assert bad.status_code == 400
    ok = sup.post(
        "/supervision/orders/new/",
        {"warning": warning.pk, "title": "井盖超期", "instructions": "尽快办理", "due_working_days": "2"},
    )
    order = SupervisionOrder.objects.get()
    assert ok.status_code == 302
    assert ok["Location"] == f"/supervision/orders/{order.pk}/"
    assert order.unit == district.unit_city
    assert order.warning == warning

    handler = login(client, district.handler_city)
    assert "井盖超期" in handler.get("/supervision/orders/").content.decode()
    assert handler.post(f"/supervision/orders/{order.pk}/respond/", {"text": ""}).status_code == 400
    assert handler.post(f"/supervision/orders/{order.pk}/respond/", {"text": "已处理"}).status_code == 302
    assert handler.post(f"/supervision/orders/{order.pk}/close/", {"note": "自己办结"}).status_code == 403
    other = login(client, district.handler_env)
    assert other.get(f"/supervision/orders/{order.pk}/").status_code == 404
    assert other.post(f"/supervision/orders/{order.pk}/respond/", {"text": "x"}).status_code == 404

    sup = login(client, district.supervisor)
    page = sup.get(f"/supervision/orders/{order.pk}/").content.decode()
    assert "已处理" in page
    assert "办结督办" in page
    assert sup.post(f"/supervision/orders/{order.pk}/close/", {"note": "x" * 600}).status_code == 400
    assert sup.post(f"/supervision/orders/{order.pk}/close/", {"note": "属实"}).status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED


def test_order_from_an_appeal_and_refusals(client, data, district):
    sup = login(client, district.supervisor)
    assert sup.get("/supervision/orders/new/", {"appeal": data["a"].pk}).status_code == 200
    assert sup.get("/supervision/orders/new/", {"appeal": 999999}).status_code == 404
    response = sup.post(
        "/supervision/orders/new/",
        {
            "appeal": data["a"].pk,
            "title": "回访不满意",
            "instructions": "请重新核实",
            "due_working_days": "3",
        },
    )
    assert response.status_code == 302
    assert SupervisionOrder.objects.get().appeal == data["a"]
    leader = login(client, district.leader_b)
    assert leader.get("/supervision/orders/new/", {"appeal": data["a"].pk}).status_code == 404
    for who in ("handler_city", "resident", "operator"):
        assert login(client, getattr(district, who)).get("/supervision/orders/new/").status_code == 403
    assert login(client, district.resident).get("/supervision/orders/").status_code == 403


# --- follow-ups -----------------------------------------------------------------------------------


def test_follow_up_pages(client, data, district):
    follow_up = FollowUp.objects.get(appeal=data["a"])
    sup = login(client, district.supervisor)
    queue = sup.get("/supervision/follow-ups/").content.decode()
    assert data["a"].tracking_number in queue
    page = sup.get(f"/supervision/follow-ups/{follow_up.pk}/").content.decode()
    assert "138****1234" in page
    assert "13812341234" not in page
    revealed = sup.post(f"/supervision/follow-ups/{follow_up.pk}/", {"reveal": "1"}).content.decode()
    assert "13812341234" in revealed
    assert AuditEntry.objects.filter(action="personal_data_view", data__purpose="follow_up").count() == 1
    bad = sup.post(f"/supervision/follow-ups/{follow_up.pk}/", {"reached": "yes"})
    assert bad.status_code == 400
    assert "问题是否真正解决" in bad.content.decode()
    assert sup.post(f"/supervision/follow-ups/{follow_up.pk}/", {"reached": "maybe"}).status_code == 400
    ok = sup.post(
        f"/supervision/follow-ups/{follow_up.pk}/",
        {"reached": "yes", "really_solved": "no", "satisfied": "no", "pressured": "yes", "note": "仍未修"},
    )
    assert ok.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.false_closure
    assert follow_up.pressured is True
    assert "虚假办结" in sup.get("/supervision/follow-ups/", {"status": "done"}).content.decode()
    again = sup.post(f"/supervision/follow-ups/{follow_up.pk}/", {"reached": "no"})
    assert again.status_code == 409


@pytest.mark.parametrize("who", ["leader_b", "handler_city", "resident", "operator"])
def test_follow_up_pages_refuse_other_roles(client, data, district, who):
    follow_up = FollowUp.objects.get(appeal=data["a"])
    c = login(client, getattr(district, who))
    assert c.get("/supervision/follow-ups/").status_code == 403
    assert c.get(f"/supervision/follow-ups/{follow_up.pk}/").status_code == 403
    assert c.post(f"/supervision/follow-ups/{follow_up.pk}/", {"reveal": "1"}).status_code == 403


def test_supervisor_of_another_area_cannot_open_a_follow_up(client, data, district):
    follow_up = FollowUp.objects.get(appeal=data["a"])
    other = staff(Role.SUPERVISOR, area=district.street_b, username="sup_b")
    assert login(client, other).get(f"/supervision/follow-ups/{follow_up.pk}/").status_code == 404


def test_handler_of_two_units_can_switch(client, data, district):
    unit = UnitFactory(code="U-X", name="第二单位", area=district.district)
    from lianxin.org.models import RoleAssignment

    RoleAssignment.objects.create(user=district.handler_city, role=Role.HANDLER, unit=unit)
    body = login(client, district.handler_city).get("/supervision/unit/", {"unit": unit.pk}).content.decode()
    assert "第二单位" in body


def test_dashboard_for_a_community_and_for_a_day_range(client, data, district):
    c = login(client, district.supervisor)
    body = c.get("/supervision/", {"period": PERIOD, "area": district.community_a.pk}).content.decode()
    assert "社区、网格一级暂不提供按日趋势" not in body  # from the day × area table
    ranged = c.get("/supervision/", {"period": "2026-05-01..2026-05-20"})
    assert ranged.status_code == 200
    assert 'data-chart="map"' in ranged.content.decode()  # the grid map works for day ranges too
    community = c.get("/supervision/", {"period": "2026-05-01..2026-05-20", "area": district.community_a.pk})
    assert community.status_code == 200
    assert "<td>2026-05-06</td><td>1</td>" in community.content.decode()


def test_community_supervisor_sees_a_daily_series(client, data, district):
    supervisor = staff(Role.SUPERVISOR, area=district.community_a, username="sup_c1")
    body = login(client, supervisor).get("/supervision/", {"period": PERIOD}).content.decode()
    assert "社区、网格一级暂不提供按日趋势" not in body
    # appeal a (grid A): received on 05-06, rated (closed) on 05-07; appeal b is in street B
    assert "<td>2026-05-06</td><td>1</td><td>0</td>" in body
    assert "<td>2026-05-07</td><td>0</td><td>1</td>" in body
    ranged = login(client, supervisor).get("/supervision/", {"period": "2026-05-06..2026-05-07"})
    assert ranged.status_code == 200
    assert "<td>2026-05-07</td><td>0</td><td>1</td>" in ranged.content.decode()


def test_period_report_bundle(data, district):
    from lianxin.supervision.selectors import Period, period_report

    report = period_report(Period.parse("2026-Q2"), area=district.street_a)
    assert report["totals"].received == 1
    assert report["previous_totals"].received == 0
    assert [r.label for r in report["by_unit"]] == ["城管局"]
    assert report["dissatisfied"] == [data["a"]]
    assert report["unit_ranking"] == [] or report["unit_ranking"][0].label == "城管局"
    monthly = period_report(Period.parse("2026-05"))
    assert {r.label for r in monthly["unit_ranking"]} == {"城管局", "生态环境局"}
    assert {r.label for r in monthly["street_ranking"]} == {"东街道", "西街道"}
