"""The KPI API: the dashboards' numbers for a period and scope, scoped by the caller; the cadre
figures; refusals and clear 400s for bad input."""

from __future__ import annotations

import pytest

from lianxin.appeals.models import EventType
from lianxin.org.models import Role, RoleAssignment
from lianxin.supervision import rollups
from lianxin.supervision.selectors import Period, Slice, cadre_figures, kpis
from tests.supervision.conftest import History, at

pytestmark = pytest.mark.django_db
MAY = Period.month(2026, 5)


@pytest.fixture
def may(district):
    rollups._maps_cache.clear()
    d = district
    for unit, handler, area in (
        (d.unit_city, d.handler_city, d.grid_a),
        (d.unit_env, d.handler_env, d.grid_b),
    ):
        h = History(area=area, category=d.cat_light, submitted=at("2026-05-06 09:00"))
        h.dispatch(at("2026-05-06 09:10"), unit).accept(at("2026-05-06 09:20"), unit, by=handler)
        h.event(EventType.RESIDENT_CONTACTED, at("2026-05-06 10:00"), unit=unit, actor=handler)
        h.reply(at("2026-05-07 10:00"), unit, by=handler).rate(
            at("2026-05-08 10:00"), unit, "satisfied", True
        )
    h = History(area=d.grid_b, category=d.cat_env, submitted=at("2026-05-11 09:00"))
    h.dispatch(at("2026-05-11 09:10"), d.unit_env)  # never answered
    rollups.process_events(settle_seconds=0)
    return d


def test_figures_equal_the_dashboard_selectors(api, may):
    d = may
    body = api.get("/kpis", user=d.supervisor, period="2026-05").json()
    expected = kpis(MAY).as_dict()
    assert body["figures"] == pytest.approx(expected)
    assert (body["period"], body["start"], body["end"]) == ("2026-05", "2026-05-01", "2026-05-31")
    assert body["figures"]["assigned"] == 3
    assert body["figures"]["response_rate"] == pytest.approx(2 / 3)
    narrowed = api.get("/kpis", user=d.supervisor, period="2026-05", area="S2", unit="U-HB").json()
    assert narrowed["figures"] == pytest.approx(
        kpis(MAY, Slice().narrow(unit=d.unit_env, area=d.street_b)).as_dict()
    )
    days = api.get("/kpis", user=d.admin, period="2026-05-06..2026-05-08", category="CJ").json()
    assert days["figures"]["received"] == 2
    assert days["end"] == "2026-05-08"


def test_a_unit_token_sees_its_unit(api, may):
    d = may
    body = api.get("/kpis", user=d.handler_env, period="2026-05").json()
    assert body["figures"] == pytest.approx(kpis(MAY, Slice().narrow(unit=d.unit_env)).as_dict())
    assert body["figures"]["assigned"] == 2
    refused = api.get("/kpis", user=d.handler_env, period="2026-05", unit="U-CG")
    assert refused.status_code == 404
    assert refused.json()["error"] == "not_found"


def test_an_area_leader_sees_their_jurisdiction_only(api, may):
    d = may
    body = api.get("/kpis", user=d.leader_b, period="2026-05").json()
    assert body["figures"]["received"] == 2  # street B's two appeals
    assert api.get("/kpis", user=d.leader_b, period="2026-05", area="S1").status_code == 404


@pytest.mark.parametrize("who", ["operator", "dispatcher", "grid_worker_a", "resident"])
def test_refused_roles(api, may, who):
    response = api.get("/kpis", user=getattr(may, who), period="2026-05")
    assert response.status_code == 403
    assert api.get("/kpis/cadres", user=getattr(may, who), period="2026-05").status_code == 403


def test_anonymous_is_refused(api, may):
    assert api.get("/kpis", period="2026-05").status_code == 401


@pytest.mark.parametrize(
    "period", ["2026-13", "May", "2026-05-31..2026-05-01", "2020-01-01..2026-01-01", "x" * 31]
)
def test_a_bad_period_is_a_clear_400(api, may, period):
    response = api.get("/kpis", user=may.supervisor, period=period)
    assert response.status_code == 400
    assert response.json()["field"] == "period"


def test_unknown_codes_are_404(api, may):
    for params in ({"area": "NOPE"}, {"unit": "NOPE"}, {"category": "NOPE"}):
        assert api.get("/kpis", user=may.supervisor, period="2026-05", **params).status_code == 404


def test_cadre_figures(api, may):
    d = may
    body = api.get("/kpis/cadres", user=d.supervisor, period="2026-05").json()
    rows = {r["name"]: r for r in body["cadres"]}
    assert [r.as_dict() for r in cadre_figures(MAY)] == body["cadres"]
    city = rows[str(d.handler_city)]
    assert (city["handled"], city["handled_on_time"], city["rated"], city["satisfied"], city["returned"]) == (
        1,
        1,
        1,
        1,
        0,
    )
    assert city["satisfaction_rate"] == 1.0
    assert city["unit"] == "城管局"
    # a unit's leader sees their unit's cadres; a handler does not see cadre figures
    RoleAssignment.objects.create(user=d.handler_city, role=Role.LEADER, unit=d.unit_city)
    led = api.get("/kpis/cadres", user=d.handler_city, period="2026-05").json()
    assert [r["unit"] for r in led["cadres"]] == ["城管局"]
    assert api.get("/kpis/cadres", user=d.handler_city, period="2026-05", unit="U-HB").status_code == 404
    assert api.get("/kpis/cadres", user=d.handler_env, period="2026-05").status_code == 403
    # cadre figures are kept by month
    days = api.get("/kpis/cadres", user=d.supervisor, period="2026-05-01..2026-05-10")
    assert days.status_code == 400
    assert days.json()["field"] == "period"


def test_in_the_openapi_document(api):
    paths = api.client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/kpis", "/api/v1/kpis/cadres"} <= set(paths)
    period = next(p for p in paths["/api/v1/kpis"]["get"]["parameters"] if p["name"] == "period")
    assert period["schema"]["maxLength"] == 30
