"""Day ranges and daily series of the district and of streets read the day × street table
(`KpiStreetTotalDaily`), one query each, and give the figures of `KpiStreetDaily` summed over
units and top-level categories; other slices and groupings keep their tables."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from lianxin.appeals.models import EventType, Status
from lianxin.supervision import rollups
from lianxin.supervision.models import (
    COUNTERS,
    KpiAreaDaily,
    KpiCategoryDaily,
    KpiStreetDaily,
    KpiStreetTotalDaily,
)
from lianxin.supervision.selectors import (
    SERIES_FIELDS,
    Period,
    Slice,
    _daily_table,
    _rows,
    area_slice,
    breakdown,
    daily_series,
    kpis,
    series,
)

from .conftest import History, at

pytestmark = pytest.mark.django_db

TOTAL_TABLE = connection.ops.quote_name(KpiStreetTotalDaily._meta.db_table)
STREET_DAILY_TABLE = connection.ops.quote_name(KpiStreetDaily._meta.db_table)
DAYS = Period.parse("2026-05-04..2026-05-20")


@pytest.fixture
def folded(district):
    """Three weeks of appeals in both streets, at district level and without an area, handled by
    several units under several categories, so that a street's day has many unit × top category
    rows; folded into the rollups."""
    d = district
    places = [d.grid_a, d.grid_b, d.community_a, d.street_b, d.district, None]
    cats = [d.cat_light, d.cat_city, d.cat_env, None]
    units = [d.unit_city, d.unit_env, d.unit_street_a]
    handlers = {d.unit_city.pk: d.handler_city, d.unit_env.pk: d.handler_env}
    for i in range(42):
        submitted = at("2026-05-01 08:00") + dt.timedelta(hours=11 * i)
        h = History(area=places[i % len(places)], category=cats[i % len(cats)], submitted=submitted)
        unit = units[i % len(units)]
        if i % 7 == 6:
            h.event(EventType.WITHDRAWN, submitted + dt.timedelta(hours=2), to=Status.WITHDRAWN)
            continue
        h.dispatch(submitted + dt.timedelta(minutes=20), unit)
        if i % 5 == 4:
            h.ret(submitted + dt.timedelta(hours=3), unit)
            unit = units[(i + 1) % len(units)]
            h.dispatch(submitted + dt.timedelta(hours=4), unit)
        h.accept(submitted + dt.timedelta(hours=5), unit, late=i % 3 == 0, by=handlers.get(unit.pk))
        h.reply(submitted + dt.timedelta(days=1 + i % 4), unit, late=i % 4 == 3, by=handlers.get(unit.pk))
        if i % 2:
            h.rate(
                submitted + dt.timedelta(days=2 + i % 4),
                unit,
                ["satisfied", "basic", "dissatisfied"][i % 3],
                [True, False, None][i % 3],
            )
        else:
            h.event(EventType.CLOSED, submitted + dt.timedelta(days=3 + i % 4), to=Status.CLOSED)
    rollups.process_events(settle_seconds=0)
    return d


def street_daily_by_day(
    period: Period, street_ids: frozenset[int] | None = None
) -> dict[dt.date, dict[str, int]]:
    """The counters per day summed straight from `KpiStreetDaily`."""
    qs = KpiStreetDaily.objects.filter(day__gte=period.start, day__lt=period.end)
    if street_ids is not None:
        qs = qs.filter(street_id__in=street_ids)
    return {
        row.pop("day"): row  # type: ignore[misc]  # the stubs type values() rows without the annotate() keys
        for row in qs.values("day").annotate(**{c: Sum(c) for c in COUNTERS}).order_by()
    }


def total(by_day: dict[dt.date, dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for counters in by_day.values():
        for name, value in counters.items():
            out[name] += value
    return {c: out[c] for c in COUNTERS}


def test_the_table_is_much_smaller_than_street_daily(folded):
    assert KpiStreetTotalDaily.objects.count() < KpiStreetDaily.objects.count() / 2
    streets = {folded.street_a.pk, folded.street_b.pk, folded.district.pk, 0}
    assert set(KpiStreetTotalDaily.objects.values_list("street_id", flat=True)) == streets


@pytest.mark.parametrize("where", ["district", "street A", "street B", "both streets", "supervisor"])
def test_day_ranges_and_series_read_day_by_street(folded, where, django_assert_num_queries):
    d = folded
    slc = {
        "district": Slice(),
        "street A": Slice().narrow(area=d.street_a),
        "street B": area_slice([d.street_b.path]),
        "both streets": area_slice([d.street_a.path, d.street_b.path]),
        "supervisor": area_slice([d.district.path]),  # a district-level supervisor's jurisdiction
    }[where]
    expected = street_daily_by_day(DAYS, slc.street_ids)
    assert sum(c["received"] for c in expected.values()) > 3, "the fixture gives this slice figures"

    with django_assert_num_queries(1) as captured:
        got = daily_series(DAYS, slc)
    sql = captured.captured_queries[0]["sql"]
    assert TOTAL_TABLE in sql
    assert STREET_DAILY_TABLE not in sql
    assert [day for day, _f in got] == sorted(day for day, c in expected.items() if any(c.values()))
    for day, figures in got:
        assert {k: figures.counters[k] for k in SERIES_FIELDS} == {
            k: expected[day][k] for k in SERIES_FIELDS
        }, day

    with django_assert_num_queries(2) as captured:  # the rollups, the false closures
        figures = kpis(DAYS, slc)
    assert TOTAL_TABLE in captured.captured_queries[0]["sql"]
    assert figures.counters == total(expected)

    weeks = series(DAYS, slc, step="week")
    assert sum(f.counters["closed"] for _w, f in weeks) == total(expected)["closed"]


def test_breakdown_by_street_over_days_reads_day_by_street(folded):
    d = folded
    with CaptureQueriesContext(connection) as captured:  # the rollups, then (maybe) the names
        rows = breakdown(DAYS, by="street")
    rollup_reads = [q["sql"] for q in captured.captured_queries if "supervision_kpi" in q["sql"]]
    assert len(rollup_reads) == 1
    assert TOTAL_TABLE in rollup_reads[0]
    got = {row.key: row.figures.counters for row in rows}
    for street in (d.street_a.pk, d.street_b.pk, d.district.pk, 0):
        assert got[street] == total(street_daily_by_day(DAYS, frozenset({street}))), street


def test_intake_counts_by_street_from_day_by_street(folded):
    rows = _rows(DAYS, Slice(), ["street_id"], ("received",), intake=True)
    got = {row["street_id"]: row["received"] for row in rows}
    qs = KpiStreetDaily.objects.filter(day__gte=DAYS.start, day__lt=DAYS.end, unit_id=0)
    expected = dict(qs.values_list("street_id").annotate(n=Sum("received")).order_by())
    assert got == expected
    assert sum(got.values()) > 0


def test_whole_months_as_days_equal_the_monthly_figures(folded):
    may = Period.month(2026, 5)
    for slc in (Slice(), Slice().narrow(area=folded.street_a)):
        assert kpis(Period(may.start, may.end), slc).counters == kpis(may, slc).counters


def test_other_slices_and_groupings_keep_their_tables(folded):
    d = folded
    street = Slice().narrow(area=d.street_a)
    assert _daily_table(Slice(), ["day"])[0] is KpiStreetTotalDaily
    assert _daily_table(street, [])[0] is KpiStreetTotalDaily
    assert _daily_table(street, ["day", "street_id"])[0] is KpiStreetTotalDaily
    # a unit, a top-level category, a grouping by unit or top category: day × unit × street × top
    assert _daily_table(Slice().narrow(unit=d.unit_city), ["day"])[0] is KpiStreetDaily
    assert _daily_table(street.narrow(category=d.cat_city), ["day"])[0] is KpiStreetDaily
    assert _daily_table(street, ["day", "unit_id"])[0] is KpiStreetDaily
    assert _daily_table(Slice(), ["top_category_id"])[0] is KpiStreetDaily
    # finer areas and categories: the unit-less tables
    assert _daily_table(Slice().narrow(area=d.community_a), ["day"])[0] is KpiAreaDaily
    assert _daily_table(Slice(), ["area_id"])[0] is KpiAreaDaily
    assert _daily_table(Slice().narrow(category=d.cat_light), ["day"])[0] is KpiCategoryDaily

    # and those still give the right figures next to the new table
    unit_days = kpis(DAYS, Slice().narrow(unit=d.unit_city)).counters
    unit_rows = KpiStreetDaily.objects.filter(day__gte=DAYS.start, day__lt=DAYS.end, unit_id=d.unit_city.pk)
    assert unit_days["assigned"] == unit_rows.aggregate(n=Sum("assigned"))["n"] > 0
