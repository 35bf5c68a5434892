"""Folding appeal events into the KPI rollup tables, incrementally by event-id watermark.

`contributions.event_contributions` is the single definition of what each event adds to which counter (see
docs/kpis.md). `process_events` applies it to events past the watermark; `rebuild` empties the
tables and applies it to every event. Both go through the same code, so a rebuild and the
incremental tables agree exactly (tests/supervision/test_rollups_random.py proves it).
Why a batch job and not a hook in `record_event`: docs/adr/0005-kpi-rollups.md.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from lianxin.appeals.events import Reclassified, parse_payload, payload_of
from lianxin.appeals.models import Appeal, AppealEvent, EventType
from lianxin.org.models import Area, Category

# re-exported: the single definition lives in .contributions
from .contributions import AppealState as AppealState
from .contributions import Contribution as Contribution
from .contributions import event_contributions as event_contributions
from .contributions import local_day as local_day
from .contributions import month_of as month_of
from .contributions import overdue_working_days as overdue_working_days  # re-exported
from .followup_sampling import sample_follow_ups
from .followup_sampling import sample_hit as sample_hit  # re-exported
from .models import COUNTERS, KPI_TABLES, Watermark

logger = logging.getLogger(__name__)

WATERMARK = "kpi"
BATCH_SIZE = 5000
# Events younger than this are left for the next run: a transaction that started earlier may
# still commit an event with a smaller id (ids are allotted at insert, visible at commit).
SETTLE_SECONDS = 120

Key = tuple[dt.date, int, int, int]  # day or month, unit, area or street, category or top category


def _table() -> dict[Any, dict[str, int]]:
    return defaultdict(lambda: defaultdict(int))


@dataclass
class _Acc:
    street_daily: dict[Key, dict[str, int]] = field(default_factory=_table)
    street_monthly: dict[Key, dict[str, int]] = field(default_factory=_table)
    # day × street, without the unit and the category
    street_total_daily: dict[tuple[dt.date, int], dict[str, int]] = field(default_factory=_table)
    monthly: dict[Key, dict[str, int]] = field(default_factory=_table)
    monthly_extra: dict[Key, tuple[int, int]] = field(default_factory=dict)
    cadre: dict[tuple[dt.date, int, int], dict[str, int]] = field(default_factory=_table)
    # day × area × top category and day × street × category, without the unit
    area_daily: dict[tuple[dt.date, int, int], dict[str, int]] = field(default_factory=_table)
    area_daily_extra: dict[tuple[dt.date, int, int], tuple[int]] = field(default_factory=dict)
    category_daily: dict[tuple[dt.date, int, int], dict[str, int]] = field(default_factory=_table)
    category_daily_extra: dict[tuple[dt.date, int, int], tuple[int]] = field(default_factory=dict)
    # the same by month
    area_monthly: dict[tuple[dt.date, int, int], dict[str, int]] = field(default_factory=_table)
    area_monthly_extra: dict[tuple[dt.date, int, int], tuple[int]] = field(default_factory=dict)
    category_monthly: dict[tuple[dt.date, int, int], dict[str, int]] = field(default_factory=_table)
    category_monthly_extra: dict[tuple[dt.date, int, int], tuple[int]] = field(default_factory=dict)

    def add(self, c: Contribution) -> None:
        month = month_of(c.day)
        coarse = (c.unit_id, c.street_id, c.top_category_id)
        fine_key = (month, c.unit_id, c.area_id, c.category_id)
        self.monthly_extra[fine_key] = (c.street_id, c.top_category_id)
        area_key = (c.day, c.area_id, c.top_category_id)
        self.area_daily_extra[area_key] = (c.street_id,)
        category_key = (c.day, c.street_id, c.category_id)
        self.category_daily_extra[category_key] = (c.top_category_id,)
        area_month_key = (month, c.area_id, c.top_category_id)
        self.area_monthly_extra[area_month_key] = (c.street_id,)
        category_month_key = (month, c.street_id, c.category_id)
        self.category_monthly_extra[category_month_key] = (c.top_category_id,)
        tables = (
            self.street_daily[(c.day, *coarse)],
            self.street_monthly[(month, *coarse)],
            self.street_total_daily[(c.day, c.street_id)],
            self.monthly[fine_key],
            self.area_daily[area_key],
            self.category_daily[category_key],
            self.area_monthly[area_month_key],
            self.category_monthly[category_month_key],
        )
        for name, value in c.counters.items():
            for table in tables:
                table[name] += value
        if c.cadre_id:
            cadre = self.cadre[(month_of(c.day), c.unit_id, c.cadre_id)]
            for name, value in c.counters.items():
                cadre[name] += value


# --- applying events --------------------------------------------------------------------------------

_EVENT_FIELDS = ("id", "appeal_id", "type", "at", "unit_id", "actor_id", "data")


def _chunks(items: list[int], size: int = 500) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


_maps_cache: dict[str, Any] = {}


def dimension_maps() -> tuple[dict[int, int], dict[int, int]]:
    """area id → its street's id (the area itself above street level); category id → its top's id.

    Cached while the area and category tables keep the same size and largest id."""
    from django.db.models import Count, Max

    stamp = (
        tuple(Area.objects.aggregate(n=Count("pk"), m=Max("pk")).values()),
        tuple(Category.objects.aggregate(n=Count("pk"), m=Max("pk")).values()),
    )
    if _maps_cache.get("stamp") != stamp:
        _maps_cache["maps"] = _dimension_maps()
        _maps_cache["stamp"] = stamp
    maps: tuple[dict[int, int], dict[int, int]] = _maps_cache["maps"]
    return maps


def _dimension_maps() -> tuple[dict[int, int], dict[int, int]]:
    areas = list(Area.objects.values_list("pk", "code", "path"))
    by_code = {code: pk for pk, code, _path in areas}
    streets = {}
    for pk, _code, path in areas:
        codes = path.split("/")
        streets[pk] = by_code.get(codes[1], pk) if len(codes) > 1 else pk
    cats = list(Category.objects.values_list("pk", "code", "path"))
    cat_by_code = {code: pk for pk, code, _path in cats}
    tops = {pk: cat_by_code.get(path.split("/")[0], pk) for pk, _code, path in cats}
    return streets, tops


def _states_for(appeal_ids: list[int]) -> dict[int, AppealState]:
    """Where each appeal's replay starts: its classification at intake (the `from` of its first
    reclassification, else its current area and category), its urgency and category."""
    states: dict[int, AppealState] = {}
    categories: dict[int, Category] = {}
    streets, tops = dimension_maps()
    for chunk in _chunks(appeal_ids):
        for pk, area_id, category_id, urgency in Appeal.objects.filter(pk__in=chunk).values_list(
            "pk", "area_id", "category_id", "urgency"
        ):
            states[pk] = AppealState(area_id=area_id or 0, category_id=category_id or 0, urgency=urgency)
        # Read after the appeals: a reclassification committed in between is seen here, so the
        # replay never starts from a classification the appeal did not have at intake.
        reclassifications = (
            AppealEvent.objects.filter(appeal_id__in=chunk, type=EventType.RECLASSIFIED)
            .order_by("appeal_id", "id")
            .values_list("appeal_id", "data")
        )
        for appeal_id, data in reclassifications:
            state = states.get(appeal_id)
            if state is None:
                continue
            moved = parse_payload(EventType.RECLASSIFIED, data)
            assert isinstance(moved, Reclassified)
            if state.categories is None:
                state.categories = categories
                state.area_id = moved.from_area or 0
                state.category_id = moved.from_category or 0
            for moved_category in (moved.from_category, moved.to_category):
                if moved_category:
                    categories.setdefault(moved_category, Category(pk=moved_category))
    for state in states.values():
        if state.category_id:
            categories.setdefault(state.category_id, Category(pk=state.category_id))
    if categories:
        for cat in Category.objects.filter(pk__in=list(categories)):
            categories[cat.pk] = cat
    for state in states.values():
        state.street_id = streets.get(state.area_id, 0)
        state.top_category_id = tops.get(state.category_id, 0)
        state.category = categories.get(state.category_id)
    return states


def _move_contributions(
    state: AppealState,
    event: AppealEvent,
    kept: list[Contribution],
    acc: _Acc | None,
    maps: tuple[dict[int, int], dict[int, int]],
) -> list[Contribution]:
    """A reclassification (改分类): the appeal's contributions so far move, on their own days and
    units, from the old area and category to the new ones, and later events count under the new
    ones. `acc` is None when the event was folded before (the move is in the tables already).
    Returns the kept contributions under their new keys."""
    moved_to = payload_of(event)
    assert isinstance(moved_to, Reclassified)
    streets, tops = maps
    area_id, category_id = moved_to.to_area or 0, moved_to.to_category or 0
    street_id, top_id = streets.get(area_id, 0), tops.get(category_id, 0)
    moved = [
        Contribution(c.day, c.unit_id, area_id, category_id, c.counters, c.cadre_id, street_id, top_id)
        for c in kept
    ]
    if acc is not None:
        for old, new in zip(kept, moved, strict=True):
            negated = {name: -value for name, value in old.counters.items()}
            # no cadre: a cadre's rows have no area or category, so the move leaves them as they are
            acc.add(
                Contribution(
                    old.day,
                    old.unit_id,
                    old.area_id,
                    old.category_id,
                    negated,
                    0,
                    old.street_id,
                    old.top_category_id,
                )
            )
            acc.add(
                Contribution(new.day, new.unit_id, area_id, category_id, new.counters, 0, street_id, top_id)
            )
    state.area_id, state.category_id, state.street_id, state.top_category_id = (
        area_id,
        category_id,
        street_id,
        top_id,
    )
    return moved


def _histories(appeal_ids: list[int], max_id: int) -> Iterator[AppealEvent]:
    for chunk in _chunks(appeal_ids):
        qs = AppealEvent.objects.filter(appeal_id__in=chunk, id__lte=max_id).order_by("appeal_id", "id")
        yield from qs.only(*_EVENT_FIELDS).iterator(chunk_size=2000)


def fold(events_after: int, new_events: list[AppealEvent]) -> tuple[_Acc, list[tuple[int, AppealEvent]]]:
    """Replay the touched appeals and accumulate the contributions of events with id > events_after.

    Returns the accumulator and the closing events (for follow-up sampling)."""
    acc = _Acc()
    closings: list[tuple[int, AppealEvent]] = []
    if not new_events:
        return acc, closings
    max_id = max(e.id for e in new_events)
    appeal_ids = sorted({e.appeal_id for e in new_events})
    states = _states_for(appeal_ids)
    maps = dimension_maps()
    # A reclassified appeal's contributions so far, kept to be moved at its next reclassification.
    kept: list[Contribution] = []
    kept_for = 0
    for event in _histories(appeal_ids, max_id):
        state = states.get(event.appeal_id)
        if state is None:
            continue
        if state.categories is not None:
            if kept_for != event.appeal_id:
                kept, kept_for = [], event.appeal_id
            if event.type == EventType.RECLASSIFIED:
                kept = _move_contributions(state, event, kept, acc if event.id > events_after else None, maps)
                continue
            if event.type in (EventType.DISPATCHED, EventType.REOPENED):
                # the deadlines were computed with the category in force when the clock started
                state.category = state.categories.get(state.category_id)
        contributions = event_contributions(state, event)
        if state.categories is not None:
            kept.extend(contributions)
        if event.id <= events_after:
            continue
        for contribution in contributions:
            acc.add(contribution)
        if event.type in (EventType.RATED, EventType.CLOSED):
            closings.append((contributions[-1].unit_id if contributions else 0, event))
    return acc, closings


def _upsert(
    model: Any,
    key_fields: list[str],
    rows: dict[Any, dict[str, int]],
    extra_fields: tuple[str, ...] = (),
    extras: dict[Any, Any] | None = None,
) -> None:
    """Add the counters to the rows with these keys (inserting missing rows) in one statement."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = key_fields + list(extra_fields) + list(COUNTERS)
    updates = ", ".join(f"{qn(c)} = {table}.{qn(c)} + EXCLUDED.{qn(c)}" for c in COUNTERS)
    sql = (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(qn(c) for c in key_fields)}) DO UPDATE SET {updates}"
    )
    params = [
        list(key) + list((extras or {}).get(key, ())) + [values.get(c, 0) for c in COUNTERS]
        for key, values in rows.items()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _write(acc: _Acc) -> None:
    for name, table in KPI_TABLES.items():
        _upsert(
            table.model,
            list(table.key_fields),
            getattr(acc, name),
            table.extra_fields,
            getattr(acc, f"{name}_extra", None),
        )


MONTH_MARK = "kpi-month:"


def _months_of(acc: _Acc) -> set[dt.date]:
    return {month_of(key[0]) for key in acc.street_daily}


def touch_months(months: Iterable[dt.date], last_id: int = 0) -> None:
    """Record that the figures of these months changed (a per-month watermark: the last event
    folded into the month, and when). Cached dashboards key on it (`selectors.figures_stamp`)."""
    now = timezone.now()
    for month in sorted(set(months)):
        name = f"{MONTH_MARK}{month:%Y-%m}"
        updated = Watermark.objects.filter(name=name).update(
            last_id=Greatest(F("last_id"), Value(last_id)), updated_at=now
        )
        if not updated:
            Watermark.objects.get_or_create(name=name, defaults={"last_id": last_id})


@dataclass(frozen=True)
class FoldReport:
    events: int
    last_id: int
    sampled: int


def process_events(
    *,
    now: dt.datetime | None = None,
    settle_seconds: int = SETTLE_SECONDS,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
    sample: bool = True,
) -> FoldReport:
    """Fold every settled event past the watermark into the rollups, batch by batch.

    One batch is one transaction: the watermark row is locked, so two runs never fold the same
    events; intake and transitions never touch the rollup rows, so they never wait for it."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settle_seconds)
    total = sampled = 0
    batches = 0
    last_id = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            Watermark.objects.get_or_create(name=WATERMARK)
            mark = Watermark.objects.select_for_update().get(name=WATERMARK)
            candidates = list(
                AppealEvent.objects.filter(id__gt=mark.last_id)
                .order_by("id")
                .only(*_EVENT_FIELDS)[:batch_size]
            )
            batch: list[AppealEvent] = []
            for event in candidates:
                if event.at > cutoff:
                    break
                batch.append(event)
            last_id = mark.last_id
            if not batch:
                break
            acc, closings = fold(mark.last_id, batch)
            _write(acc)
            touch_months(_months_of(acc), batch[-1].id)
            if sample:
                sampled += sample_follow_ups(closings, now, local_day(now))
            mark.last_id = batch[-1].id
            mark.save(update_fields=["last_id", "updated_at"])
            last_id = mark.last_id
            total += len(batch)
        batches += 1
        if len(batch) < batch_size:
            break
    if total:
        logger.info("KPI rollups: folded %s events up to #%s", total, last_id)
    return FoldReport(events=total, last_id=last_id, sampled=sampled)


def rebuild(*, now: dt.datetime | None = None, settle_seconds: int = SETTLE_SECONDS) -> FoldReport:
    """Empty the rollups and fold every event again (no follow-up sampling)."""
    with transaction.atomic():
        for table in KPI_TABLES.values():
            table.model._default_manager.all().delete()
        Watermark.objects.update_or_create(name=WATERMARK, defaults={"last_id": 0})
    return process_events(now=now, settle_seconds=settle_seconds, sample=False)


def recompute(events: Iterable[AppealEvent]) -> _Acc:
    """Contributions of the given events computed from scratch, without touching the tables."""
    events = list(events)
    acc, _closings = fold(0, events)
    return acc
