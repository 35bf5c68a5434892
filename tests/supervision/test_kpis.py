"""KPI definitions on a hand-built history with exact expected numbers (docs/kpis.md).

May 2026, five appeals: a clean one, one returned and re-dispatched, accepted late, extended,
replied late, rated dissatisfied and reopened; a merged one; one replied late across a holiday
and closed unrated by the system; a withdrawn one.
"""

from __future__ import annotations

import pytest

from lianxin.appeals.models import EventType, Status
from lianxin.supervision import rollups
from lianxin.supervision.models import KpiCadreMonthly, KpiMonthly, KpiStreetDaily
from lianxin.supervision.selectors import Period, Slice, appeals_behind, breakdown, kpis
from lianxin.worktime.models import CalendarDay

from .conftest import History, at

MAY = Period.month(2026, 5)


@pytest.fixture
def may(district):
    d = district
    CalendarDay.objects.create(date=at("2026-05-18 00:00").date(), is_workday=False, note="测试假日")
    a1 = History(area=d.grid_a, category=d.cat_light, submitted=at("2026-05-06 09:00"))
    a1.dispatch(at("2026-05-06 09:10"), d.unit_city)
    a1.accept(at("2026-05-06 10:00"), d.unit_city, by=d.handler_city)
    a1.reply(at("2026-05-07 10:00"), d.unit_city, by=d.handler_city)
    a1.rate(at("2026-05-08 10:00"), d.unit_city, "satisfied", True)

    a2 = History(area=d.grid_b, category=d.cat_city, submitted=at("2026-05-06 09:00"))
    a2.dispatch(at("2026-05-06 09:05"), d.unit_env)
    a2.ret(at("2026-05-06 11:00"), d.unit_env)
    a2.dispatch(at("2026-05-06 14:00"), d.unit_city)
    a2.accept(at("2026-05-07 09:00"), d.unit_city, late=True, by=d.handler_city)
    a2.event(
        EventType.EXTENSION_APPROVED,
        at("2026-05-12 10:00"),
        unit=d.unit_city,
        data={"new_due": at("2026-05-20 18:00").isoformat()},
    )
    a2.reply(at("2026-05-21 10:00"), d.unit_city, late=True, by=d.handler_city)
    a2.rate(at("2026-05-22 10:00"), d.unit_city, "dissatisfied", False)
    a2.event(EventType.REOPENED, at("2026-05-22 12:00"), to=Status.DISPATCHED, unit=d.unit_city)

    a3 = History(area=d.grid_a, category=d.cat_env, submitted=at("2026-05-11 09:00"))
    a3.event(EventType.MERGED, at("2026-05-11 10:00"), to=Status.MERGED, data={"into": "X"})

    a4 = History(area=d.grid_a, category=d.cat_env, submitted=at("2026-05-12 09:00"))
    a4.dispatch(at("2026-05-12 09:00"), d.unit_env)
    a4.accept(at("2026-05-12 09:30"), d.unit_env, by=d.handler_env)
    a4.event(
        EventType.OVERDUE,
        at("2026-05-15 18:05"),
        unit=d.unit_env,
        data={"resolve_due_at": at("2026-05-15 18:00").isoformat()},
    )
    a4.reply(at("2026-05-19 10:00"), d.unit_env, late=True, by=d.handler_env)
    a4.event(EventType.CLOSED, at("2026-05-27 10:00"), to=Status.CLOSED)

    a5 = History(area=d.grid_b, category=d.cat_env, submitted=at("2026-05-13 09:00"))
    a5.event(EventType.WITHDRAWN, at("2026-05-13 10:00"), to=Status.WITHDRAWN)
    rollups.process_events(settle_seconds=0)
    return {"a1": a1.appeal, "a2": a2.appeal, "a3": a3.appeal, "a4": a4.appeal, "a5": a5.appeal}


EXPECTED_DISTRICT = {
    "received": 5,
    "assigned": 4,
    "accepted": 3,
    "accepted_on_time": 2,
    "accept_seconds": 3000 + 19 * 3600 + 1800,
    "returned": 1,
    "extended": 1,
    "overdue": 1,
    "replied": 3,
    "replied_on_time": 1,
    "overdue_days": 2,  # a2: 05-20 → 05-21 = 1; a4: 05-15 → 05-19 over a weekend and the 05-18 holiday = 1
    "rated": 2,
    "satisfied": 1,
    "basic": 0,
    "dissatisfied": 1,
    "solved_known": 2,
    "solved": 1,
    "closed": 3,
    "reopened": 1,
    "merged": 1,
    "withdrawn": 1,
    # no contact recorded: each assignment's reply is its first contact with the resident, due by
    # the end of the working day after the dispatch; only a1's (05-07 10:00) is; a2's first
    # assignment (env) was returned unanswered and unjudged, so it counts against env
    "responded": 3,
    "responded_on_time": 1,
    "response_excused": 0,
    "returned_unjustified": 0,
    "auto_closed": 1,  # a4, closed by the sweep unrated
}


def test_district_figures_are_exact(may):
    figures = kpis(MAY)
    for name, value in EXPECTED_DISTRICT.items():
        assert figures.counters[name] == value, name
    assert figures.response_rate == pytest.approx(1 / 4)  # over every assignment, not the accepted ones
    assert figures.accept_on_time_rate == pytest.approx(2 / 3)
    assert figures.auto_close_rate == pytest.approx(1 / 3)
    assert figures.resolution_rate == pytest.approx(1 / 2)
    assert figures.satisfaction_rate == pytest.approx(1 / 2)
    assert figures.on_time_rate == pytest.approx(1 / 3)
    assert figures.return_rate == pytest.approx(1 / 4)
    assert figures.reopen_rate == pytest.approx(1 / 3)
    assert figures.avg_accept_hours == pytest.approx((3000 + 19 * 3600 + 1800) / 3 / 3600)
    close_seconds = (2 * 86400 + 3600) + (16 * 86400 + 3600) + (15 * 86400 + 3600)
    assert figures.counters["close_seconds"] == close_seconds


def test_holiday_counts_in_overdue_days(may):
    CalendarDay.objects.filter(note="测试假日").delete()
    from lianxin.worktime import calendar

    calendar.clear_cache()
    rollups.rebuild(settle_seconds=0)
    assert kpis(MAY).counters["overdue_days"] == 3  # without the holiday a4 is 2 working days late


def test_unit_figures_and_return_attribution(may, district):
    city = kpis(MAY, Slice().narrow(unit=district.unit_city))
    env = kpis(MAY, Slice().narrow(unit=district.unit_env))
    assert (city.assigned, city.accepted, city.accepted_on_time, city.replied, city.rated) == (2, 2, 1, 2, 2)
    assert (city.returned, city.reopened, city.overdue_days, city.closed) == (0, 1, 1, 2)
    assert (env.assigned, env.returned, env.accepted, env.overdue, env.replied, env.closed) == (
        2,
        1,
        1,
        1,
        1,
        1,
    )
    assert env.return_rate == pytest.approx(1 / 2)
    assert env.received == 0  # received is counted before any unit is involved


def test_area_and_category_breakdowns(may, district):
    by_street = {row.label: row.figures.received for row in breakdown(MAY, by="street")}
    assert by_street == {"东街道": 3, "西街道": 2}
    by_top = {row.label: row.figures.received for row in breakdown(MAY, by="top_category")}
    assert by_top == {"城乡建设": 2, "环境保护": 3}
    street_a = kpis(MAY, Slice().narrow(area=district.street_a))
    assert street_a.received == 3
    assert street_a.merged == 1


def test_cadre_figures(may, district):
    rows = {row.key: row.figures for row in breakdown(MAY, by="cadre")}
    city = rows[district.handler_city.pk]
    assert (city.accepted, city.replied, city.rated, city.dissatisfied) == (2, 2, 2, 1)
    assert KpiCadreMonthly.objects.filter(user_id=district.handler_env.pk).get().replied == 1


def test_periods_by_day_agree_with_month(may):
    whole = kpis(MAY)
    by_days = kpis(Period.parse("2026-05-01..2026-05-31"))
    assert whole.counters == by_days.counters
    first_half = kpis(Period.parse("2026-05-01..2026-05-15"))
    assert first_half.received == 5
    assert first_half.rated == 1


def test_drilldown_returns_the_appeals_behind_a_figure(may, district):
    assert set(appeals_behind("replied_late", MAY)) == {may["a2"], may["a4"]}
    assert set(appeals_behind("returned", MAY, Slice().narrow(unit=district.unit_env))) == {may["a2"]}
    assert set(appeals_behind("closed", MAY, Slice().narrow(unit=district.unit_env))) == {may["a4"]}
    assert set(appeals_behind("dissatisfied", MAY)) == {may["a2"]}
    assert appeals_behind("received", MAY).count() == kpis(MAY).received


def test_incremental_equals_rebuild(may):
    def rows():
        return (
            sorted(KpiStreetDaily.objects.values_list("day", "unit_id", "street_id", "received", "closed")),
            sorted(
                KpiMonthly.objects.values_list(
                    "month", "unit_id", "area_id", "category_id", "street_id", "rated"
                )
            ),
        )

    before = rows()
    rollups.rebuild(settle_seconds=0)
    assert rows() == before


def test_previous_period_and_quarter(may):
    assert MAY.previous() == Period.month(2026, 4)
    q2 = Period.parse("2026-Q2")
    assert kpis(q2).counters == kpis(MAY).counters
    assert kpis(q2.previous()).received == 0


def test_fine_slices_come_from_the_monthly_fine_table(may, district):
    from lianxin.core.errors import ValidationFailedError

    grid = kpis(MAY, Slice().narrow(area=district.grid_a))
    community = kpis(MAY, Slice().narrow(area=district.community_a))
    street = kpis(MAY, Slice().narrow(area=district.street_a))
    assert grid.counters == community.counters == street.counters  # one grid per community and street here
    assert (grid.received, grid.merged, grid.overdue_days) == (3, 1, 1)
    light = kpis(MAY, Slice().narrow(category=district.cat_light))
    assert (light.received, light.rated, light.satisfied) == (1, 1, 1)
    city_top = kpis(MAY, Slice().narrow(category=district.cat_city))  # top level: coarse table
    assert (city_top.received, city_top.rated) == (2, 2)
    by_grid = {row.label: row.figures.received for row in breakdown(MAY, by="grid")}
    assert by_grid == {"幸福一网格": 3, "和平一网格": 2}
    by_leaf = {row.label: row.figures.received for row in breakdown(MAY, by="category")}
    assert by_leaf == {"路灯照明": 1, "城乡建设": 1, "环境保护": 3}
    with pytest.raises(ValidationFailedError):
        kpis(
            Period.parse("2026-05-01..2026-05-10"),
            Slice().narrow(area=district.grid_a, unit=district.unit_city),
        )
    first_days = kpis(Period.parse("2026-05-01..2026-05-10"), Slice().narrow(area=district.street_a))
    assert first_days.received == 1


def test_day_ranges_for_communities_grids_and_subcategories(may, district):
    """Day × area and day × street × category tables: exact figures for any day range."""
    from lianxin.core.errors import ValidationFailedError
    from lianxin.supervision.selectors import answers_daily, daily_series, grid_map

    days = Period.parse("2026-05-01..2026-05-10")  # only a1 (grid A, 路灯照明) has events then
    grid = Slice().narrow(area=district.grid_a)
    community = Slice().narrow(area=district.community_a)
    light = Slice().narrow(category=district.cat_light)
    whole_may = Period.parse("2026-05-01..2026-05-31")
    for slc in (grid, community, light, community.narrow(category=district.cat_city)):
        f = kpis(days, slc)
        assert (f.received, f.assigned, f.accepted, f.replied, f.rated, f.satisfied, f.closed) == (
            1,
            1,
            1,
            1,
            1,
            1,
            1,
        )
        assert f.accept_seconds == 50 * 60
        assert kpis(whole_may, slc).counters == kpis(MAY, slc).counters  # daily tables == monthly fine table
        assert answers_daily(slc)
    assert kpis(days, community.narrow(category=district.cat_env)).received == 0
    env_in_grid_a = kpis(Period.parse("2026-05-11..2026-05-19"), community.narrow(category=district.cat_env))
    assert (
        env_in_grid_a.received,
        env_in_grid_a.merged,
        env_in_grid_a.overdue,
        env_in_grid_a.overdue_days,
    ) == (2, 1, 1, 1)
    # a daily series for a grid and for a subcategory
    grid_days = {day.isoformat(): f.received for day, f in daily_series(MAY, grid) if f.received}
    assert grid_days == {"2026-05-06": 1, "2026-05-11": 1, "2026-05-12": 1}
    light_days = {day.isoformat(): f.rated for day, f in daily_series(MAY, light) if f.rated}
    assert light_days == {"2026-05-08": 1}
    # breakdowns by grid, community and subcategory over a day range
    by_grid = {row.label: row.figures.received for row in breakdown(whole_may, by="grid")}
    assert by_grid == {"幸福一网格": 3, "和平一网格": 2}
    by_community = {row.label: row.figures.closed for row in breakdown(whole_may, by="community")}
    assert by_community == {"幸福社区": 2, "和平社区": 1}
    by_leaf = {row.label: row.figures.received for row in breakdown(whole_may, by="category")}
    assert by_leaf == {"路灯照明": 1, "城乡建设": 1, "环境保护": 3}
    by_leaf_in_street_b = breakdown(whole_may, Slice().narrow(area=district.street_b), by="category")
    assert {row.label: row.figures.received for row in by_leaf_in_street_b} == {"城乡建设": 1, "环境保护": 1}
    # the grid map over a day range (area table) equals the month's (fine monthly table)
    district.grid_a.boundary = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    district.grid_a.save()
    assert grid_map(whole_may)["values"] == grid_map(MAY)["values"] == [{"name": "幸福一网格", "value": 3}]
    assert grid_map(whole_may, metric="satisfaction")["values"] == [{"name": "幸福一网格", "value": 100.0}]
    # what stays refused, and what the message tells the user to pick instead
    with pytest.raises(ValidationFailedError) as refused:
        kpis(days, grid.narrow(unit=district.unit_city))
    assert "单位 × 社区、网格或小类" in refused.value.message
    assert "整月或季度" in refused.value.message
    with pytest.raises(ValidationFailedError) as refused:
        kpis(days, grid.narrow(category=district.cat_light))
    assert "社区或网格 × 小类" in refused.value.message
    assert "大类" in refused.value.message
    with pytest.raises(ValidationFailedError):
        breakdown(days, community, by="unit")
    with pytest.raises(ValidationFailedError):
        breakdown(days, light, by="grid")
    assert not answers_daily(grid.narrow(unit=district.unit_city))
    assert answers_daily(Slice().narrow(unit=district.unit_city))  # units by day: street table
    assert kpis(MAY, grid.narrow(unit=district.unit_city)).replied == 1  # months still answer everything
