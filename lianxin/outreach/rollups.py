"""Coverage rollups: the sweep computes every household's coverage once and writes the tallies per
area (every level) and per cadre × community for the day; the dashboards read them (milliseconds
instead of seconds for a district). Before the first sweep of a day the dashboards compute live."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from lianxin.org.selectors import area_subtree_q, in_area_subtree

from . import coverage
from .models import AssignmentKind, ContactAssignment, CoverageRollup, RollupKind

COMMUNITY_DEPTH = 3
CADRE_LIMIT = 50  # a dashboard lists the cadres most behind, not all of a district's party members


def _row(day: dt.date, kind: str, path: str, tally: coverage.Tally, now: dt.datetime,
         cadre_id: int | None = None) -> CoverageRollup:
    return CoverageRollup(day=day, kind=kind, area_path=path, cadre_id=cadre_id, total=tally.total,
                          in_time=tally.in_time, overdue=tally.overdue, by_group=tally.by_group, computed_at=now)


def refresh(rows: list[coverage.CoverageRow], day: dt.date) -> int:
    """Replace the day's rollups with the tallies of `rows` (every household's coverage)."""
    now = timezone.now()
    objects = []
    depth = max((len(r.grid_path.split("/")) for r in rows), default=0)
    for level in range(1, depth + 1):
        for path, tally in coverage.rollup_by_area(rows, level).items():
            objects.append(_row(day, RollupKind.AREA, path, tally, now))
    by_household = {r.household_id: r for r in rows}
    cadre_tallies: dict[tuple[int, str], coverage.Tally] = defaultdict(coverage.Tally)
    for cadre_id, household_id in ContactAssignment.objects.filter(
        kind=AssignmentKind.HOUSEHOLD, ended_on__isnull=True
    ).values_list("cadre_id", "household_id"):
        row = by_household.get(household_id)
        if row is not None:
            community = "/".join(row.grid_path.split("/")[:COMMUNITY_DEPTH])
            cadre_tallies[(cadre_id, community)].add(row)
    for (cadre_id, community), tally in cadre_tallies.items():
        objects.append(_row(day, RollupKind.CADRE, community, tally, now, cadre_id=cadre_id))
    with transaction.atomic():
        CoverageRollup.objects.filter(day=day).delete()
        CoverageRollup.objects.bulk_create(objects, batch_size=1000)
    return len(objects)


def _tally(rollup: CoverageRollup) -> coverage.Tally:
    return coverage.Tally(total=rollup.total, in_time=rollup.in_time, overdue=rollup.overdue,
                          by_group={g: list(v) for g, v in rollup.by_group.items()})


def _merge(into: coverage.Tally, other: coverage.Tally) -> None:
    into.total += other.total
    into.in_time += other.in_time
    into.overdue += other.overdue
    for group, (total, in_time) in other.by_group.items():
        counts = into.by_group.setdefault(group, [0, 0])
        counts[0] += total
        counts[1] += in_time


def outermost(paths: tuple[str, ...]) -> list[str]:
    """The paths not inside another of them (a leader of a district and a street counts once)."""
    return [p for p in sorted(set(paths)) if not any(p != q and in_area_subtree(p, (q,)) for q in paths)]


@dataclass(frozen=True)
class Snapshot:
    total: coverage.Tally
    areas: dict[str, coverage.Tally]
    cadres: dict[int, coverage.Tally]  # the CADRE_LIMIT with the lowest share in time
    cadre_count: int
    computed_at: dt.datetime | None


def read(day: dt.date, *, roots: list[str] | None, depth: int) -> Snapshot | None:
    """The dashboard's tallies from the day's rollups under `roots` (None: everything), or None
    when the day has not been rolled up yet or a root lies below a community (cadres are rolled
    up per community, so a grid's cadre tallies are computed live)."""
    if roots is not None and any(len(r.split("/")) > COMMUNITY_DEPTH for r in roots):
        return None
    rollups = CoverageRollup.objects.filter(day=day)
    if not rollups.exists():
        return None
    area_rows = list(rollups.filter(kind=RollupKind.AREA).values_list(
        "area_path", "total", "in_time", "overdue", "by_group", "computed_at"))

    def inside(path: str) -> bool:
        return roots is None or in_area_subtree(path, roots)

    total = coverage.Tally()
    areas: dict[str, coverage.Tally] = {}
    computed_at = None
    for path, t, i, o, groups, at in area_rows:
        computed_at = at
        tally = coverage.Tally(total=t, in_time=i, overdue=o, by_group={g: list(v) for g, v in groups.items()})
        if (roots is None and "/" not in path) or (roots is not None and path in roots):
            _merge(total, tally)
        if len(path.split("/")) == depth and inside(path):
            areas[path] = tally
    cadres, cadre_count = _worst_cadres(rollups.filter(kind=RollupKind.CADRE), roots)
    return Snapshot(total=total, areas=areas, cadres=cadres, cadre_count=cadre_count, computed_at=computed_at)


def _worst_cadres(rows: QuerySet[CoverageRollup], roots: list[str] | None) -> tuple[dict[int, coverage.Tally], int]:
    """The CADRE_LIMIT cadres with the lowest share in time under `roots`, and how many there are:
    summed in SQL, so a district of 50,000 party members stays fast."""
    if roots is not None:
        rows = rows.filter(area_subtree_q(roots, prefix="area_path"))
    sums = list(rows.values("cadre_id").annotate(t=Sum("total"), i=Sum("in_time")).values_list("cadre_id", "t", "i"))
    worst = sorted(sums, key=lambda x: (x[2] / x[1] if x[1] else 1.0, x[0]))[:CADRE_LIMIT]
    cadres: dict[int, coverage.Tally] = defaultdict(coverage.Tally)
    for rollup in rows.filter(cadre_id__in=[c for c, _t, _i in worst]):
        if rollup.cadre_id is not None:
            _merge(cadres[rollup.cadre_id], _tally(rollup))
    return dict(cadres), len(sums)
