"""Rollups stay exact when appeals are reclassified (改分类).

Definition (docs/kpis.md, "Area and category"): every figure counts an appeal under its current
classification; a reclassification moves all of the appeal's earlier figures, on their own days and
units, to the new area and category. So the incrementally kept tables, folded at any cut points,
equal a rebuild row for row, and both equal a count straight from the events with each appeal's
final classification."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from typing import Any

import pytest

from lianxin.appeals import deadlines, services
from lianxin.appeals.actors import Actor
from lianxin.appeals.models import Appeal, AppealEvent, DeadlinePolicy, EventType, Status
from lianxin.org.models import Area
from lianxin.supervision import rollups
from lianxin.supervision.models import (
    COUNTERS,
    FollowUp,
    KpiCadreMonthly,
    KpiMonthly,
    KpiStreetDaily,
    KpiStreetTotalDaily,
)
from lianxin.supervision.selectors import Period, Slice, breakdown, events_behind, kpis
from lianxin.worktime.calendar import TZ
from lianxin.worktime.models import CalendarDay

from .conftest import History, at
from .test_rollups_random import TABLES, snapshot, steps_for

pytestmark = pytest.mark.django_db

# Counters that are plain counts of events (the sums of seconds and working days are left to
# test_kpis.py); enough to say under which area and category each event was counted.
COUNTS = (
    "received",
    "assigned",
    "accepted",
    "accepted_on_time",
    "accept_overdue",
    "returned",
    "replied",
    "replied_on_time",
    "rated",
    "satisfied",
    "basic",
    "dissatisfied",
    "solved_known",
    "solved",
    "closed",
    "reopened",
    "overdue",
    "extended",
    "merged",
    "withdrawn",
)


def reclassify(
    h: History, when: dt.datetime, *, area: Area | None = None, category: Any = None
) -> AppealEvent:
    """Reclassify through the service (so the event data is the real one), dated `when`."""
    services.appeal_reclassify(
        appeal=h.appeal.pk, actor=Actor.automatic(), area=area, category=category, reason="分类有误"
    )
    event = AppealEvent.objects.filter(appeal=h.appeal, type=EventType.RECLASSIFIED).latest("id")
    AppealEvent.objects.filter(pk=event.pk).update(at=when)
    return event


def full_snapshot() -> dict[str, dict[tuple, tuple]]:
    """Every row of every rollup table, zero rows included (row-for-row comparison)."""
    out = {}
    for model, keys in TABLES:
        out[model.__name__] = {
            tuple(row[k] for k in keys): tuple(row[c] for c in COUNTERS)
            for row in model._default_manager.values(*keys, *COUNTERS)
        }
    return out


def event_counts(e: AppealEvent) -> Counter[str]:
    t, data = e.type, e.data or {}
    c: Counter[str] = Counter()
    c["received"] += t == EventType.SUBMITTED
    c["assigned"] += t in (EventType.DISPATCHED, EventType.REDISPATCHED)
    c["accepted"] += t == EventType.ACCEPTED
    c["accepted_on_time"] += t == EventType.ACCEPTED and not data.get("late")
    c["accept_overdue"] += t == EventType.ACCEPT_OVERDUE
    c["returned"] += t == EventType.RETURNED
    c["replied"] += t == EventType.REPLIED
    c["replied_on_time"] += t == EventType.REPLIED and not data.get("late")
    rated = t == EventType.RATED
    c["rated"] += rated
    for name in ("satisfied", "basic", "dissatisfied"):
        c[name] += rated and data.get("satisfaction") == name
    c["solved_known"] += rated and data.get("solved") is not None
    c["solved"] += rated and data.get("solved") is True
    c["closed"] += t in (EventType.RATED, EventType.CLOSED, EventType.ANSWERED_DIRECTLY)
    c["reopened"] += t == EventType.REOPENED
    c["overdue"] += t == EventType.OVERDUE
    c["extended"] += t == EventType.EXTENSION_APPROVED
    c["merged"] += t == EventType.MERGED
    c["withdrawn"] += t == EventType.WITHDRAWN
    return +c


def direct_rows() -> tuple[dict[tuple, tuple], dict[tuple, tuple]]:
    """(month, unit, area, category) and (day, unit, street, top category) → COUNTS, straight from the
    events, each appeal under its final (current) area and category."""
    areas = {a.pk: a for a in Area.objects.all()}
    by_code = {a.code: a.pk for a in areas.values()}
    from lianxin.org.models import Category

    cats = {c.pk: c for c in Category.objects.all()}
    fine: dict[tuple, Counter[str]] = defaultdict(Counter)
    daily: dict[tuple, Counter[str]] = defaultdict(Counter)
    for appeal in Appeal.objects.all():
        area, cat = appeal.area_id or 0, appeal.category_id or 0
        codes = areas[area].path.split("/") if area else []
        street = by_code[codes[1]] if len(codes) > 1 else area
        top = (
            by_code.get("", 0)
            if not cat
            else next(c.pk for c in cats.values() if c.code == cats[cat].path.split("/")[0])
        )
        current_unit = None
        for e in appeal.events.order_by("id"):
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
            if e.type == EventType.SUBMITTED:
                unit = None
            counts = event_counts(e)
            if not counts:
                continue
            day = e.at.astimezone(TZ).date()
            fine[(day.replace(day=1), unit or 0, area, cat)].update(counts)
            daily[(day, unit or 0, street, top)].update(counts)

    def rows(table: dict[tuple, Counter[str]]) -> dict[tuple, tuple]:
        return {k: tuple(v[n] for n in COUNTS) for k, v in table.items() if any(v[n] for n in COUNTS)}

    return rows(fine), rows(daily)


def table_rows(model: Any, keys: tuple[str, ...]) -> dict[tuple, tuple]:
    out = {}
    for row in model.objects.values(*keys, *COUNTS):
        values = tuple(row[n] for n in COUNTS)
        if any(values):
            out[tuple(row[k] for k in keys)] = values
    return out


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_random_histories_with_reclassifications(district, seed):  # noqa: C901  a random walk over the transitions
    rng = random.Random(seed)
    d = district
    CalendarDay.objects.create(date=dt.date(2026, 5, 18), is_workday=False, note="测试假日")
    intake_areas = [d.grid_a, d.grid_b, d.community_a, None]
    intake_cats = [d.cat_city, d.cat_light, d.cat_env, None]
    new_areas = [d.grid_a, d.grid_b, d.community_a, d.community_b]
    new_cats = [d.cat_city, d.cat_light, d.cat_env]

    def reclassify_randomly(h: History, when: dt.datetime) -> None:
        appeal = Appeal.objects.get(pk=h.appeal.pk)
        while True:
            area, cat = rng.choice([*new_areas, None]), rng.choice([*new_cats, None])
            if (area or appeal.area, cat or appeal.category) != (appeal.area, appeal.category):
                break
        reclassify(h, when, area=area, category=cat)

    def last_at(h: History) -> dt.datetime:
        return AppealEvent.objects.filter(appeal=h.appeal).latest("at").at

    histories: list[History] = []
    pending = []
    for _ in range(40):
        start = at("2026-04-20 08:00") + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 60))
        h = History(area=rng.choice(intake_areas), category=rng.choice(intake_cats), submitted=start)
        histories.append(h)
        pending.append((h, steps_for(rng, d, h, start)))
    folds = reclassified = 0
    while pending:
        h, gen = rng.choice(pending)
        if rng.random() < 0.1 and h.status not in (Status.MERGED, Status.WITHDRAWN):
            # between two steps: the generator's next step comes at least 10 minutes later
            reclassify_randomly(h, last_at(h) + dt.timedelta(minutes=1))
            reclassified += 1
        else:
            step = next(gen, None)
            if step is None:
                pending.remove((h, gen))
            else:
                step()
        if rng.random() < 0.05:
            rollups.process_events(settle_seconds=0, batch_size=rng.randint(1, 30))
            folds += 1
    # and some after the end of the handling (closed appeals too), folded in between
    for h in rng.sample(histories, 10):
        if h.status not in (Status.MERGED, Status.WITHDRAWN):
            reclassify_randomly(h, last_at(h) + dt.timedelta(days=rng.randint(1, 40)))
            reclassified += 1
            if rng.random() < 0.3:
                rollups.process_events(settle_seconds=0, batch_size=rng.randint(1, 30))
    rollups.process_events(settle_seconds=0, batch_size=rng.randint(1, 50))
    assert folds > 3
    assert reclassified > 8
    assert Appeal.objects.filter(events__type=EventType.RECLASSIFIED).distinct().count() > 5

    incremental = full_snapshot()
    assert snapshot()["KpiStreetDaily"], "the random histories produced no figures"
    rollups.rebuild(settle_seconds=0)
    assert full_snapshot() == incremental  # row for row, rows brought to zero by a move included

    # both equal a count straight from the events under each appeal's final classification
    fine, daily = direct_rows()
    assert table_rows(KpiMonthly, ("month", "unit_id", "area_id", "category_id")) == fine
    assert table_rows(KpiStreetDaily, ("day", "unit_id", "street_id", "top_category_id")) == daily
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(COUNTS))
    for (day, _unit, street, _top), values in daily.items():
        totals[(day, street)] = [a + b for a, b in zip(totals[(day, street)], values, strict=True)]
    assert table_rows(KpiStreetTotalDaily, ("day", "street_id")) == {
        k: tuple(v) for k, v in totals.items() if any(v)
    }

    # and through the selectors: an area's figures are its current appeals' events (the drill-down
    # reads the appeals' current area too)
    for period in (Period.month(2026, 5), Period.quarter(2026, 2)):
        for area in (d.grid_a, d.grid_b, d.community_a, d.community_b, d.street_a):
            slc = Slice().narrow(area=area)
            figures = kpis(period, slc).counters
            for name in ("received", "assigned", "merged", "withdrawn", "reopened"):
                assert figures[name] == events_behind(name, period, slc).count(), (
                    period.label,
                    area.code,
                    name,
                )


def test_month_breakdown_by_grid_moves_with_the_appeal(district, settings):
    d = district
    h = History(area=d.grid_a, category=d.cat_light, submitted=at("2026-05-06 09:00"))
    h.dispatch(at("2026-05-06 10:00"), d.unit_city)
    h.accept(at("2026-05-06 11:00"), d.unit_city, by=d.handler_city)
    h.reply(at("2026-05-07 11:00"), d.unit_city, by=d.handler_city)
    h.rate(at("2026-05-08 11:00"), d.unit_city, "dissatisfied", False)
    other = History(area=d.grid_b, category=d.cat_env, submitted=at("2026-05-12 09:00"))
    other.dispatch(at("2026-05-12 10:00"), d.unit_env)
    first = rollups.process_events(settle_seconds=0)
    assert first.sampled == 1
    assert FollowUp.objects.count() == 1
    may = Period.month(2026, 5)

    def by(kind: str) -> dict[int, dict[str, int]]:
        return {r.key: r.figures.counters for r in breakdown(may, by=kind)}

    grids = by("grid")
    assert grids[d.grid_a.pk]["received"] == 1
    assert grids[d.grid_b.pk]["received"] == 1
    cadres = {k: dict(v) for k, v in by("cadre").items()}

    # the dispatcher finds the appeal was in the other grid and of another category (in June)
    services.appeal_reclassify(
        appeal=h.appeal.pk,
        actor=Actor.staff(d.dispatcher),
        area="G2",
        category="HB",
        reason="网格和分类都选错了",
    )
    AppealEvent.objects.filter(type=EventType.RECLASSIFIED).update(at=at("2026-06-02 09:00"))
    second = rollups.process_events(settle_seconds=0)
    assert second.events == 1
    assert second.sampled == 0
    assert FollowUp.objects.count() == 1

    grids = by("grid")
    assert not any(grids.get(d.grid_a.pk, {}).values())  # nothing left under the old grid
    assert grids[d.grid_b.pk]["received"] == 2
    assert grids[d.grid_b.pk]["rated"] == 1
    assert grids[d.grid_b.pk]["dissatisfied"] == 1
    assert grids[d.grid_b.pk]["assigned"] == 2
    streets = by("street")
    assert not any(streets.get(d.street_a.pk, {}).values())
    assert streets[d.street_b.pk]["received"] == 2
    categories = by("category")
    assert not any(categories.get(d.cat_light.pk, {}).values())
    assert categories[d.cat_env.pk]["received"] == 2
    tops = by("top_category")
    assert not any(tops.get(d.cat_city.pk, {}).values())
    assert tops[d.cat_env.pk]["received"] == 2
    # the unit and the day stay: still May, still 城管局; the cadre's figures do not move at all
    units = by("unit")
    assert units[d.unit_city.pk]["rated"] == 1
    assert units[d.unit_env.pk]["assigned"] == 1
    assert kpis(may).counters["received"] == 2
    assert kpis(Period.month(2026, 6)).counters["received"] == 0
    assert {k: dict(v) for k, v in by("cadre").items()} == cadres
    # the drill-down behind the grid's figure lists the appeal under its new grid
    slc = Slice().narrow(area=d.grid_b)
    assert set(events_behind("received", may, slc).values_list("appeal_id", flat=True)) == {
        h.appeal.pk,
        other.appeal.pk,
    }
    # a rebuild agrees, row for row
    before = full_snapshot()
    cadre_rows = list(KpiCadreMonthly.objects.values_list("month", "unit_id", "user_id", "replied", "rated"))
    rollups.rebuild(settle_seconds=0)
    assert full_snapshot() == before
    assert (
        list(KpiCadreMonthly.objects.values_list("month", "unit_id", "user_id", "replied", "rated"))
        == cadre_rows
    )

    # reclassifying back restores the first picture
    services.appeal_reclassify(
        appeal=h.appeal.pk, actor=Actor.staff(d.dispatcher), area="G1", category="CJ-LD", reason="核实后改回"
    )
    rollups.process_events(settle_seconds=0)
    grids = by("grid")
    assert grids[d.grid_a.pk]["received"] == 1
    assert grids[d.grid_b.pk]["received"] == 1


def test_late_reply_after_reclassification_keeps_the_deadline_of_the_dispatch(district):
    """Without a known due date the rollups recompute it from the dispatch: with the category the
    appeal had then (the service does not move deadlines), not the one it has now."""
    d = district
    DeadlinePolicy.objects.create(category=d.cat_env, urgency="normal", resolve_working_days=1)
    dispatched_at, replied_at = at("2026-06-01 10:00"), at("2026-06-12 10:00")
    h = History(area=d.grid_a, category=d.cat_light, submitted=at("2026-06-01 09:00"))
    h.dispatch(dispatched_at, d.unit_city)
    h.accept(at("2026-06-01 11:00"), d.unit_city, by=d.handler_city)
    reclassify(h, at("2026-06-03 09:00"), category=d.cat_env)
    h.reply(replied_at, d.unit_city, late=True, by=d.handler_city)
    rollups.process_events(settle_seconds=0)
    then = rollups.overdue_working_days(
        deadlines.compute_deadlines(dispatched_at, d.cat_light, "normal").resolve_due_at, replied_at
    )
    now = rollups.overdue_working_days(
        deadlines.compute_deadlines(dispatched_at, d.cat_env, "normal").resolve_due_at, replied_at
    )
    assert then != now  # the test means something
    row = KpiMonthly.objects.get(category_id=d.cat_env.pk, unit_id=d.unit_city.pk, month=dt.date(2026, 6, 1))
    assert row.replied == 1
    assert row.overdue_days == then
    assert not KpiMonthly.objects.filter(category_id=d.cat_light.pk).exclude(replied=0).exists()
