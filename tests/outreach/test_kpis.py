"""Contact KPIs, through supervision's indicator registry (filled by outreach's `ready`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.appeals.models import Status
from lianxin.outreach.models import Concern, FollowUp, HouseholdGroup, Visit
from lianxin.supervision.indicators import Indicator, indicator, indicator_values, register_indicator
from tests.factories import AppealFactory

pytestmark = pytest.mark.django_db


def _values(paths, start, end):
    return {v["code"]: v["value"] for v in indicator_values(area_paths=paths, start=start, end=end)}


def test_outreach_registers_the_contact_kpis():
    codes = {
        "contact_coverage_in_time",
        "contact_special_groups_in_time",
        "contact_concerns",
        "contact_concerns_to_appeals",
        "contact_concerns_resolved",
        "contact_follow_ups_on_time",
    }
    assert all(indicator(c) is not None and indicator(c).source == "outreach" for c in codes)  # type: ignore[union-attr]


def test_the_registry_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="kind must be 'share' or 'count'"):
        register_indicator(Indicator("x", "x", "ratio", lambda p, s, e: None))


def test_contact_kpis_on_hand_built_data(outreach, district):
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=30), today
    a, _b = outreach.house_a, outreach.house_b  # registered 2026-01-05: overdue unless visited (90 days)
    HouseholdGroup.objects.create(household=a, group="elderly_alone")
    visit = Visit.objects.create(household=a, cadre=outreach.cadre, visited_on=today - dt.timedelta(days=3))
    a.last_visited_on = visit.visited_on
    a.save(update_fields=["last_visited_on"])
    closed = AppealFactory(area=district.grid_a, status=Status.CLOSED, solved=True)
    unsolved = AppealFactory(area=district.grid_a, status=Status.CLOSED, solved=False)
    Concern.objects.create(visit=visit, text="楼道灯坏", solved_on_spot=True)
    Concern.objects.create(visit=visit, text="路面破损", appeal=closed)
    Concern.objects.create(visit=visit, text="噪音", appeal=unsolved)
    Concern.objects.create(visit=visit, text="停车难")
    FollowUp.objects.create(
        visit=visit, text="送米", due_on=today - dt.timedelta(days=2), done_on=today - dt.timedelta(days=2)
    )
    FollowUp.objects.create(visit=visit, text="修门", due_on=today - dt.timedelta(days=1), done_on=today)
    FollowUp.objects.create(
        visit=visit, text="下月", due_on=today + dt.timedelta(days=10)
    )  # outside the period
    v = _values(None, start, end)
    assert v["contact_coverage_in_time"] == 0.5  # a visited, b overdue
    assert v["contact_special_groups_in_time"] == 1.0
    assert v["contact_concerns"] == 4.0
    assert v["contact_concerns_to_appeals"] == 0.5
    assert v["contact_concerns_resolved"] == 0.5  # on the spot + the closed, solved appeal
    assert v["contact_follow_ups_on_time"] == 0.5
    b_only = _values((district.grid_b.path,), start, end)
    assert b_only["contact_coverage_in_time"] == 0.0
    assert b_only["contact_concerns"] == 0.0
    assert b_only["contact_concerns_resolved"] is None
    assert b_only["contact_special_groups_in_time"] is None


def test_the_monthly_report_has_a_contact_section(outreach, district):
    from lianxin.reports.selectors import report_content
    from lianxin.supervision.selectors import Period

    today = timezone.localdate()
    Visit.objects.create(household=outreach.house_a, cadre=outreach.cadre, visited_on=today)
    outreach.house_a.last_visited_on = today
    outreach.house_a.save(update_fields=["last_visited_on"])
    content = report_content(Period.containing(today), district.street_a)
    (section,) = [s for s in content["sections"] if s["source"] == "outreach"]
    assert section["title"] == "联系服务群众"
    shown = {row["code"]: row["shown"] for row in section["indicators"]}
    assert shown["contact_coverage_in_time"] == "100.0%"  # street A: house_a only
    assert shown["contact_concerns"] == "0"
    assert shown["contact_concerns_resolved"] == "—"
