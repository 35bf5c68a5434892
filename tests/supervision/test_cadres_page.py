"""The cadre figures page (/supervision/cadres/): who sees which units' handlers."""

from __future__ import annotations

import pytest
from django.test import Client

from lianxin.org.models import Role, RoleAssignment
from lianxin.supervision import rollups

from .conftest import History, at


@pytest.fixture
def client_for():
    def make(user) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return make


def _history(d) -> None:
    for unit, handler in ((d.unit_city, d.handler_city), (d.unit_env, d.handler_env)):
        h = History(area=d.grid_a, category=d.cat_light, submitted=at("2026-05-06 09:00"))
        h.dispatch(at("2026-05-06 09:10"), unit).accept(at("2026-05-06 09:20"), unit, by=handler)
        h.reply(at("2026-05-07 10:00"), unit, by=handler).rate(at("2026-05-08 10:00"), unit, "basic", True)
    rollups.process_events(settle_seconds=0)


def test_supervisors_see_every_cadre_of_their_units(client_for, district):
    _history(district)
    page = client_for(district.supervisor).get("/supervision/cadres/?period=2026-05")
    html = page.content.decode()
    assert page.status_code == 200
    assert str(district.handler_city) in html
    assert str(district.handler_env) in html
    assert "城管局" in html
    one = client_for(district.supervisor).get(
        f"/supervision/cadres/?period=2026-05&unit={district.unit_env.pk}"
    )
    assert str(district.handler_city) not in one.content.decode()


def test_a_units_leader_sees_their_unit_only(client_for, district):
    _history(district)
    RoleAssignment.objects.create(user=district.handler_city, role=Role.LEADER, unit=district.unit_city)
    c = client_for(district.handler_city)
    html = c.get("/supervision/cadres/?period=2026-05").content.decode()
    assert str(district.handler_city) in html
    assert str(district.handler_env) not in html
    assert c.get(f"/supervision/cadres/?period=2026-05&unit={district.unit_env.pk}").status_code == 404


def test_refusals_and_bad_periods(client_for, district):
    for who in (district.handler_env, district.operator, district.dispatcher, district.resident):
        assert client_for(who).get("/supervision/cadres/").status_code == 403
    bad = client_for(district.supervisor).get("/supervision/cadres/?period=2026-05-01..2026-05-10")
    assert bad.status_code == 400
    assert "整月" in bad.content.decode()
    assert client_for(district.supervisor).get("/supervision/cadres/?period=nope").status_code == 400
