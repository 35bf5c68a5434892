"""Rollups kept incrementally agree exactly with a rebuild from the raw events, and with KPI
figures computed directly from the events, on random histories (seeded, reproducible).

Histories mix units, areas and categories, returns, re-dispatches, late acceptances and
replies, extensions, overdue flags across a holiday, ratings, automatic closings, reopenings,
merges and withdrawals; folding runs at random points while histories are still growing."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest

from lianxin.appeals.models import AppealEvent, EventType, Status
from lianxin.supervision import rollups
from lianxin.supervision.models import (
    COUNTERS,
    KPI_TABLES,
    KpiAreaMonthly,
    KpiCategoryMonthly,
    KpiMonthly,
    KpiStreetDaily,
    KpiStreetTotalDaily,
)
from lianxin.supervision.selectors import SERIES_FIELDS, Period, Slice, breakdown, daily_series, kpis
from lianxin.worktime.models import CalendarDay

from .conftest import History, at

TABLES = tuple((table.model, table.fields) for table in KPI_TABLES.values())


def snapshot() -> dict:
    out = {}
    for model, keys in TABLES:
        rows = {}
        for row in model._default_manager.values(*keys, *COUNTERS):
            key = tuple(row[k] for k in keys)
            values = tuple(row[c] for c in COUNTERS)
            if any(values):
                rows[key] = values
        out[model.__name__] = rows
    return out


def steps_for(rng: random.Random, d, h: History, start: dt.datetime):  # noqa: C901, PLR0912, PLR0915  every transition
    """Yield callables that each add one random, valid transition to the history."""
    units = [d.unit_city, d.unit_env, d.unit_street_a]
    handlers = {d.unit_city.pk: d.handler_city, d.unit_env.pk: d.handler_env}
    now = start
    unit = None
    reopened = False

    def later() -> dt.datetime:
        nonlocal now
        now += dt.timedelta(minutes=rng.randint(10, 60 * 24 * 3))
        return now

    for _ in range(14):
        s = h.status
        roll = rng.random()
        t = later()
        if s in (Status.SUBMITTED, Status.RETURNED):
            if roll < 0.7:
                unit = rng.choice(units)
                yield lambda t=t, u=unit: h.dispatch(t, u)
            elif roll < 0.8:
                yield lambda t=t: h.event(EventType.MERGED, t, to=Status.MERGED, data={"into": "X"})
                return
            elif roll < 0.9:
                yield lambda t=t: h.event(EventType.WITHDRAWN, t, to=Status.WITHDRAWN)
                return
            else:
                yield lambda t=t: h.event(EventType.ANSWERED_DIRECTLY, t, to=Status.CLOSED)
                return
        elif s == Status.DISPATCHED:
            if roll < 0.55:
                yield lambda t=t, u=unit: h.accept(t, u, late=rng.random() < 0.3, by=handlers.get(u.pk))
            elif roll < 0.7:
                yield lambda t=t, u=unit: h.ret(t, u)
                unit = None
            elif roll < 0.8:
                unit = rng.choice([u for u in units if u != unit])
                yield lambda t=t, u=unit: h.event(EventType.REDISPATCHED, t, to=Status.DISPATCHED, unit=u)
            elif roll < 0.9:
                yield lambda t=t, u=unit: h.event(EventType.ACCEPT_OVERDUE, t, unit=u)
            else:
                yield lambda t=t: h.event(EventType.WITHDRAWN, t, to=Status.WITHDRAWN)
                return
        elif s == Status.ACCEPTED:
            if roll < 0.5:
                yield lambda t=t, u=unit: h.reply(t, u, late=rng.random() < 0.4, by=handlers.get(u.pk))
            elif roll < 0.6:
                yield lambda t=t, u=unit: h.ret(t, u)
                unit = None
            elif roll < 0.75:
                due = (now + dt.timedelta(days=rng.randint(1, 6))).isoformat()
                yield lambda t=t, u=unit, due=due: h.event(
                    EventType.EXTENSION_APPROVED, t, unit=u, data={"new_due": due}
                )
            elif roll < 0.9:
                due = (now - dt.timedelta(hours=rng.randint(1, 80))).isoformat()
                yield lambda t=t, u=unit, due=due: h.event(
                    EventType.OVERDUE, t, unit=u, data={"resolve_due_at": due}
                )
            else:
                yield lambda t=t, u=unit: h.event(
                    EventType.DUE_SOON, t, unit=u, data={"resolve_due_at": None}
                )
        elif s == Status.REPLIED:
            if roll < 0.75:
                sat = rng.choice(["satisfied", "basic", "dissatisfied"])
                solved = rng.choice([True, False, None])
                yield lambda t=t, u=unit, sat=sat, solved=solved: h.rate(t, u, sat, solved)
            else:
                yield lambda t=t: h.event(EventType.CLOSED, t, to=Status.CLOSED)
        elif s == Status.CLOSED:
            if reopened or unit is None or roll < 0.5:
                return
            reopened = True
            yield lambda t=t, u=unit: h.event(EventType.REOPENED, t, to=Status.DISPATCHED, unit=u)
        else:
            return


def direct_counts(
    period: Period,
    unit_id: int | None,
    *,
    area_ids: set[int] | None = None,
    category_ids: set[int] | None = None,
) -> dict[str, int]:
    """The figures computed straight from the events, without the rollup code (for one unit, or
    for the appeals in some areas / categories)."""
    start, end = period.bounds()
    out: dict[str, int] = defaultdict(int)
    by_appeal = defaultdict(list)
    for e in AppealEvent.objects.select_related("appeal").order_by("appeal_id", "id"):
        by_appeal[e.appeal_id].append(e)
    for events in by_appeal.values():
        appeal = events[0].appeal
        if area_ids is not None and appeal.area_id not in area_ids:
            continue
        if category_ids is not None and appeal.category_id not in category_ids:
            continue
        current_unit = None
        for e in events:
            unit = e.unit_id
            if e.type in (EventType.DISPATCHED, EventType.REDISPATCHED):
                current_unit = e.unit_id
            elif e.type == EventType.RETURNED:
                current_unit = None
            elif e.type in (
                EventType.CLOSED,
                EventType.MERGED,
                EventType.WITHDRAWN,
                EventType.ANSWERED_DIRECTLY,
            ):
                unit = current_unit
            if not (start <= e.at < end):
                continue
            if unit_id is not None and (unit != unit_id or e.type == EventType.SUBMITTED):
                continue
            t = e.type
            out["received"] += t == EventType.SUBMITTED
            out["assigned"] += t in (EventType.DISPATCHED, EventType.REDISPATCHED)
            out["accepted"] += t == EventType.ACCEPTED
            out["accepted_on_time"] += t == EventType.ACCEPTED and not e.data.get("late")
            out["returned"] += t == EventType.RETURNED
            out["replied"] += t == EventType.REPLIED
            out["replied_on_time"] += t == EventType.REPLIED and not e.data.get("late")
            out["rated"] += t == EventType.RATED
            out["satisfied"] += t == EventType.RATED and e.data.get("satisfaction") == "satisfied"
            out["dissatisfied"] += t == EventType.RATED and e.data.get("satisfaction") == "dissatisfied"
            out["solved"] += t == EventType.RATED and e.data.get("solved") is True
            out["solved_known"] += t == EventType.RATED and e.data.get("solved") is not None
            out["closed"] += t in (EventType.RATED, EventType.CLOSED, EventType.ANSWERED_DIRECTLY)
            out["reopened"] += t == EventType.REOPENED
            out["overdue"] += t == EventType.OVERDUE
            out["extended"] += t == EventType.EXTENSION_APPROVED
            out["merged"] += t == EventType.MERGED
            out["withdrawn"] += t == EventType.WITHDRAWN
    return out


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_histories(district, seed):
    rng = random.Random(seed)
    d = district
    CalendarDay.objects.create(date=dt.date(2026, 5, 18), is_workday=False, note="测试假日")
    areas = [d.grid_a, d.grid_b, d.community_a, None]
    cats = [d.cat_city, d.cat_light, d.cat_env, None]
    pending = []
    for _ in range(40):
        start = at("2026-04-20 08:00") + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 60))
        h = History(area=rng.choice(areas), category=rng.choice(cats), submitted=start)
        pending.append(steps_for(rng, d, h, start))
    folds = 0
    while pending:
        gen = rng.choice(pending)
        step = next(gen, None)
        if step is None:
            pending.remove(gen)
        else:
            step()
        if rng.random() < 0.05:
            rollups.process_events(settle_seconds=0, batch_size=rng.randint(1, 30))
            folds += 1
    rollups.process_events(settle_seconds=0, batch_size=rng.randint(1, 50))
    assert folds > 3
    incremental = snapshot()
    assert incremental["KpiStreetDaily"], "the random histories produced no figures"

    rollups.rebuild(settle_seconds=0)
    assert snapshot() == incremental

    for period in (
        Period.month(2026, 4),
        Period.month(2026, 5),
        Period.month(2026, 6),
        Period.quarter(2026, 2),
        Period.parse("2026-05-10..2026-06-03"),
    ):
        for unit in (None, d.unit_city.pk, d.unit_env.pk, d.unit_street_a.pk):
            figures = kpis(period, Slice() if unit is None else Slice().narrow(unit=unit))
            expected = direct_counts(period, unit)
            for name, value in expected.items():
                assert figures.counters[name] == value, (period.label, unit, name)
        if period.whole_months:
            # the fine table (communities, grids) and the coarse one (streets) agree
            coarse_a = kpis(period, Slice().narrow(area=d.street_a)).counters
            assert coarse_a == kpis(period, Slice().narrow(area=d.community_a)).counters
            assert (
                kpis(period, Slice().narrow(area=d.street_b)).counters
                == kpis(period, Slice().narrow(area=d.grid_b)).counters
            )
    check_day_ranges(d)
    check_unitless_months()
    check_street_totals(d)


def check_unitless_months() -> None:
    """The unit-less monthly tables are the fine monthly table summed over units (and over grids
    of a street, or subcategories of a top category)."""
    from django.db.models import Sum

    sums = {c: Sum(c) for c in COUNTERS}
    for model, keys in (
        (KpiAreaMonthly, ("month", "area_id", "top_category_id")),
        (KpiCategoryMonthly, ("month", "street_id", "category_id")),
    ):
        fine = {
            tuple(r[k] for k in keys): tuple(r[c] for c in COUNTERS)
            for r in KpiMonthly.objects.values(*keys).annotate(**sums).order_by()
        }
        own = {
            tuple(r[k] for k in keys): tuple(r[c] for c in COUNTERS)
            for r in model.objects.values(*keys, *COUNTERS)
        }
        assert {k: v for k, v in own.items() if any(v)} == {k: v for k, v in fine.items() if any(v)}, (
            model.__name__
        )


def check_street_totals(d) -> None:
    """Day × street is `KpiStreetDaily` summed over units and top-level categories, and the
    district's and streets' day ranges (read from it) equal the direct counts."""
    from django.db.models import Sum

    sums = {c: Sum(c) for c in COUNTERS}
    keys = ("day", "street_id")
    coarse = {
        tuple(r[k] for k in keys): tuple(r[c] for c in COUNTERS)
        for r in KpiStreetDaily.objects.values(*keys).annotate(**sums).order_by()
    }
    own = {
        tuple(r[k] for k in keys): tuple(r[c] for c in COUNTERS)
        for r in KpiStreetTotalDaily.objects.values(*keys, *COUNTERS)
    }
    assert own, "no day × street rows"
    assert {k: v for k, v in own.items() if any(v)} == {k: v for k, v in coarse.items() if any(v)}
    street_a_ids = {d.street_a.pk, d.community_a.pk, d.grid_a.pk}
    for text in ("2026-04-25..2026-05-09", "2026-05-18..2026-05-18", "2026-05-10..2026-06-03"):
        period = Period.parse(text)
        for slc, where in ((Slice(), {}), (Slice().narrow(area=d.street_a), {"area_ids": street_a_ids})):
            figures = kpis(period, slc)
            for counter, value in direct_counts(period, None, **where).items():
                assert figures.counters[counter] == value, (text, where, counter)


def check_day_ranges(d) -> None:
    """Communities, grids and subcategories over day ranges (the day × area and day × street ×
    category tables) equal the direct counts, and equal the monthly fine table on whole months."""
    community_ids = {d.community_a.pk, d.grid_a.pk}
    slices = {
        "community A": (Slice().narrow(area=d.community_a), {"area_ids": community_ids}),
        "grid B": (Slice().narrow(area=d.grid_b), {"area_ids": {d.grid_b.pk}}),
        "subcategory 路灯照明": (Slice().narrow(category=d.cat_light), {"category_ids": {d.cat_light.pk}}),
        "community A × 城乡建设": (
            Slice().narrow(area=d.community_a, category=d.cat_city),
            {"area_ids": community_ids, "category_ids": {d.cat_city.pk, d.cat_light.pk}},
        ),
        "street B × 路灯照明": (
            Slice().narrow(area=d.street_b, category=d.cat_light),
            {"area_ids": {d.street_b.pk, d.community_b.pk, d.grid_b.pk}, "category_ids": {d.cat_light.pk}},
        ),
    }
    ranges = [
        Period.parse(text)
        for text in (
            "2026-04-25..2026-05-09",
            "2026-05-10..2026-06-03",
            "2026-05-18..2026-05-18",
            "2026-06-01..2026-07-15",
        )
    ]
    for name, (slc, where) in slices.items():
        for period in ranges:
            figures = kpis(period, slc)
            for counter, value in direct_counts(period, None, **where).items():
                assert figures.counters[counter] == value, (name, period.label, counter)
        for month in (Period.month(2026, 5), Period.month(2026, 6)):
            as_days = Period(month.start, month.end)  # the same days, read from the daily tables
            assert kpis(as_days, slc).counters == kpis(month, slc).counters, (name, month.label)
    # a daily series for a community, day by day
    may = Period.month(2026, 5)
    series = dict(daily_series(may, slices["community A"][0]))
    for offset in range(0, 31, 3):
        day = may.start + dt.timedelta(days=offset)
        expected = direct_counts(Period(day, day + dt.timedelta(days=1)), None, area_ids=community_ids)
        got = series[day].counters if day in series else dict.fromkeys(COUNTERS, 0)
        shown = [k for k in SERIES_FIELDS if k in expected]  # the series sums only these
        assert {k: got[k] for k in shown} == {k: expected[k] for k in shown}, day
    # breakdowns by community and by subcategory over a day range
    days = Period.parse("2026-05-03..2026-06-12")
    by_community = {row.key: row.figures.counters for row in breakdown(days, by="community")}
    assert (
        by_community.get(d.community_a.pk, {}).get("received", 0)
        == direct_counts(days, None, area_ids=community_ids)["received"]
    )
    by_leaf = {row.key: row.figures.counters for row in breakdown(days, by="category")}
    for counter, value in direct_counts(days, None, category_ids={d.cat_light.pk}).items():
        assert by_leaf.get(d.cat_light.pk, {}).get(counter, 0) == value, counter


def test_the_table_registry_lists_every_counters_model_once_with_its_key_and_accumulator():
    from django.apps import apps

    from lianxin.supervision.models import _Counters

    counted = {m for m in apps.get_app_config("supervision").get_models() if issubclass(m, _Counters)}
    assert {t.model for t in KPI_TABLES.values()} == counted
    assert len(KPI_TABLES) == len(counted) == 9
    acc = rollups._Acc()
    for name, table in KPI_TABLES.items():
        unique = [c for c in table.model._meta.constraints if getattr(c, "fields", None)]
        assert [tuple(c.fields) for c in unique] == [table.key_fields], name  # type: ignore[attr-defined]
        assert isinstance(getattr(acc, name), dict), name
        assert hasattr(acc, f"{name}_extra") == bool(table.extra_fields), name
