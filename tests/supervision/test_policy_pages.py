"""Who opens which supervision page, as a role matrix of `supervision.policy`, and the header's nav
offering exactly the pages its user may open (the nav once offered the dashboard to supervisors and
leaders without an area, whom the dashboard refused).

The expected sets are written from docs/supervision.md, not read back from the code.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lianxin.core.errors import ForbiddenError
from lianxin.org.models import Role, User
from lianxin.supervision import policy
from tests.factories import District, staff

pytestmark = pytest.mark.django_db

USERS = (
    "admin",
    "supervisor",
    "supervisor_no_area",
    "leader_b",
    "unit_leader",
    "handler_city",
    "handler_no_unit",
    "operator",
    "dispatcher",
    "grid_worker",
    "resident",
)

OVERSEERS = {"admin", "supervisor", "leader_b"}
RULES: dict[str, set[str]] = {
    "require_overseer": OVERSEERS,  # dashboard, warnings, reply quality, reports
    "require_unit_member": {"handler_city"},  # 本单位考核
    "require_drilldown_reader": OVERSEERS | {"handler_city"},
    "require_order_reader": OVERSEERS | {"handler_city"},
    "cadre_units": OVERSEERS | {"unit_leader"},  # 承办人考核: a leader role on a unit leads that unit
    "caller_slice": OVERSEERS | {"handler_city", "unit_leader"},  # the KPI API
    "follow_up_caller": {
        "admin",
        "supervisor",
        "supervisor_no_area",
    },  # 回访 (an empty queue without an area)
}
PAGES = {  # url: the rule of its view
    "/supervision/": "require_overseer",
    "/supervision/warnings/": "require_overseer",
    "/supervision/replies/": "require_overseer",
    "/reports/": "require_overseer",
    "/supervision/unit/": "require_unit_member",
    "/supervision/orders/": "require_order_reader",
    "/supervision/cadres/": "cadre_units",
    "/supervision/follow-ups/": "follow_up_caller",
}
# The header's links and the page each leads to (the pages' own rules decide whether it is shown).
NAV_LINKS = ("/supervision/", "/supervision/unit/", "/supervision/cadres/", "/staff/hotline/")
HOTLINE = {"admin", "operator", "dispatcher"}  # appeals.policy.HOTLINE_ROLES


@pytest.fixture
def users(district: District) -> dict[str, User]:
    return {
        "admin": district.admin,
        "supervisor": district.supervisor,
        "leader_b": district.leader_b,
        "supervisor_no_area": staff(Role.SUPERVISOR),
        "unit_leader": staff(Role.LEADER, unit=district.unit_city),
        "handler_city": district.handler_city,
        "handler_no_unit": staff(Role.HANDLER),
        "operator": district.operator,
        "dispatcher": district.dispatcher,
        "grid_worker": district.grid_worker_a,
        "resident": district.resident,
    }


@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("who", USERS)
def test_each_role_and_rule(users, who, rule):
    check = getattr(policy, rule)
    if who in RULES[rule]:
        check(users[who])
    else:
        with pytest.raises(ForbiddenError):
            check(users[who])


@pytest.mark.parametrize("who", USERS)
def test_the_predicates_agree_with_the_checks(users, who):
    user = users[who]
    assert policy.may_oversee(user) is (who in RULES["require_overseer"])
    assert policy.may_see_unit_dashboard(user) is (who in RULES["require_unit_member"])
    assert policy.may_see_cadres(user) is (who in RULES["cadre_units"])


@pytest.mark.parametrize("url", list(PAGES))
@pytest.mark.parametrize("who", USERS)
def test_each_role_on_each_page(users, who, url):
    client = Client()
    client.force_login(users[who])
    assert client.get(url).status_code == (200 if who in RULES[PAGES[url]] else 403)


def _links(html: str) -> set[str]:
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S)
    assert nav is not None
    return set(re.findall(r'href="([^"]+)"', nav.group(0)))


@pytest.mark.parametrize("who", [w for w in USERS if w != "resident"])
def test_the_nav_offers_exactly_the_pages_that_open(users, who):
    client = Client()
    client.force_login(users[who])
    r = client.get("/staff/notifications/")
    assert r.status_code == 200
    links = _links(r.content.decode())
    for url in NAV_LINKS:
        opens = client.get(url).status_code == 200
        if url == "/supervision/cadres/" and "/supervision/" in links:
            opens = False  # overseers reach it from the dashboard's own menu, not from the header
        assert (url in links) is opens, url
    # and the sets are the documented ones, not only consistent with each other
    assert ("/supervision/" in links) is (who in OVERSEERS)
    assert ("/staff/hotline/" in links) is (who in HOTLINE)
    assert ("/supervision/cadres/" in links) is (
        who == "unit_leader"
    )  # overseers reach it from the dashboard


def test_a_resident_sees_no_staff_link(users):
    client = Client()
    client.force_login(users["resident"])
    links = _links(client.get("/mine/").content.decode())
    assert not links & {*NAV_LINKS, "/staff/"}
