"""Coverage rollups: the sweep computes every household's coverage once and writes the tallies per
area (every level) and per cadre × community for the day; the dashboards read them (milliseconds
instead of seconds for a district). Before the first sweep of a day the dashboards compute live."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import FloatField, QuerySet, Sum
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone

from lianxin.org.selectors import in_area_subtree

from . import coverage
from .models import AssignmentKind, ContactAssignment, CoverageRollup, RollupKind

COMMUNITY_DEPTH = 3
CADRE_LIMIT = 50  # a dashboard lists the cadres most behind, not all of a district's party members


def _row(
    day: dt.date,
    kind: str,
    path: str,
    tally: coverage.Tally,
    *,
    now: dt.datetime,
    cadre_id: int | None = None,
) -> CoverageRollup:
    return CoverageRollup(
        day=day,
        kind=kind,
        area_path=path,
        cadre_id=cadre_id,
        total=tally.total,
        in_time=tally.in_time,
        overdue=tally.overdue,
        by_group=tally.by_group,
        computed_at=now,
    )


def refresh(rows: list[coverage.CoverageRow], day: dt.date) -> int:
    """Replace the day's rollups with the tallies of `rows` (every household's coverage)."""
    now = timezone.now()
    objects = []
    depth = max((len(r.grid_path.split("/")) for r in rows), default=0)
    for level in range(1, depth + 1):
        for path, tally in coverage.rollup_by_area(rows, level).items():
            objects.append(_row(day, RollupKind.AREA, path, tally, now=now))
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
        objects.append(_row(day, RollupKind.CADRE, community, tally, now=now, cadre_id=cadre_id))
    _rank_cadres(objects, cadre_tallies)
    with transaction.atomic():
        CoverageRollup.objects.filter(day=day).delete()
        CoverageRollup.objects.bulk_create(objects, batch_size=1000)
    return len(objects)


def _share_key(item: tuple[int, coverage.Tally]) -> tuple[float, int]:
    share = item[1].share
    return (share if share is not None else 1.0, item[0])


def _rank_cadres(objects: list[CoverageRollup], cadre_tallies: dict[tuple[int, str], coverage.Tally]) -> None:
    """On each area row down to communities: the count of cadres there and the most behind."""
    per_area: dict[str, dict[int, coverage.Tally]] = defaultdict(lambda: defaultdict(coverage.Tally))
    for (cadre_id, community), tally in cadre_tallies.items():
        parts = community.split("/")
        for depth in range(1, len(parts) + 1):
            _merge(per_area["/".join(parts[:depth])][cadre_id], tally)
    for row in objects:
        cadres = per_area.get(row.area_path) if row.kind == RollupKind.AREA else None
        if cadres:
            row.cadre_count = len(cadres)
            row.worst_cadres = [
                [pk, t.total, t.in_time, t.overdue, t.by_group]
                for pk, t in sorted(cadres.items(), key=_share_key)[:CADRE_LIMIT]
            ]


def _tally(rollup: CoverageRollup) -> coverage.Tally:
    return coverage.Tally(
        total=rollup.total,
        in_time=rollup.in_time,
        overdue=rollup.overdue,
        by_group={g: list(v) for g, v in rollup.by_group.items()},
    )


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
    area_rows = list(
        rollups.filter(kind=RollupKind.AREA).values_list(
            "area_path", "total", "in_time", "overdue", "by_group", "computed_at"
        )
    )
    top = [path for path, *_rest in area_rows if "/" not in path]
    single = (
        roots[0]
        if roots is not None and len(roots) == 1
        else (top[0] if roots is None and len(top) == 1 else None)
    )

    def inside(path: str) -> bool:
        return roots is None or in_area_subtree(path, roots)

    total = coverage.Tally()
    areas: dict[str, coverage.Tally] = {}
    computed_at = None
    for path, t, i, o, groups, at in area_rows:
        computed_at = at
        tally = coverage.Tally(
            total=t, in_time=i, overdue=o, by_group={g: list(v) for g, v in groups.items()}
        )
        if (roots is None and "/" not in path) or (roots is not None and path in roots):
            _merge(total, tally)
        if len(path.split("/")) == depth and inside(path):
            areas[path] = tally
    if single is not None:  # one area: its precomputed ranking
        ranked = (
            rollups.filter(kind=RollupKind.AREA, area_path=single)
            .values_list("cadre_count", "worst_cadres")
            .first()
        )
        cadre_count, worst = ranked if ranked is not None else (0, [])
        cadres = {
            pk: coverage.Tally(
                total=t, in_time=i, overdue=o, by_group={g: list(v) for g, v in groups.items()}
            )
            for pk, t, i, o, groups in worst
        }
    else:  # several areas (a user with more than one): summed in SQL
        communities = (
            None
            if roots is None
            else [row[0] for row in area_rows if len(row[0].split("/")) == COMMUNITY_DEPTH and inside(row[0])]
        )
        cadres, cadre_count = _worst_cadres(rollups.filter(kind=RollupKind.CADRE), communities)
    return Snapshot(total=total, areas=areas, cadres=cadres, cadre_count=cadre_count, computed_at=computed_at)


def _worst_cadres(
    rows: QuerySet[CoverageRollup], communities: list[str] | None
) -> tuple[dict[int, coverage.Tally], int]:
    """The CADRE_LIMIT cadres with the lowest share in time in these communities (None: all), and
    how many there are: summed in SQL on the exact community paths (the index, no LIKE scan), so a
    district of 50,000 party members stays fast."""
    if communities is not None:
        rows = rows.filter(area_path__in=communities)
    share = Cast(Sum("in_time"), FloatField()) / NullIf(Cast(Sum("total"), FloatField()), 0.0)
    worst = list(
        rows.values("cadre_id")
        .annotate(share=Coalesce(share, 1.0))
        .order_by("share", "cadre_id")
        .values_list("cadre_id", flat=True)[:CADRE_LIMIT]
    )
    cadres: dict[int, coverage.Tally] = defaultdict(coverage.Tally)
    for rollup in rows.filter(cadre_id__in=worst):
        if rollup.cadre_id is not None:
            _merge(cadres[rollup.cadre_id], _tally(rollup))
    return dict(cadres), rows.values("cadre_id").distinct().count()
