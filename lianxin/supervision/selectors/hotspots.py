"""Hotspots and the map: recurring problems (每月一题), surges, text clusters, the grid map."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from lianxin.appeals.models import Appeal
from lianxin.org import directory
from lianxin.org.models import AreaLevel

from ..models import RaisedWarning
from .figures import KpiFigures
from .periods import EVERYTHING, Jurisdiction, Period, Slice
from .planner import _areas, _grid_shapes, _rows, area_rollup_map
from .worklists import warnings_visible


@dataclass
class Recurring:
    category_id: int
    category: str
    street_id: int
    street: str
    count: int
    previous: int

    @property
    def growth(self) -> float | None:
        return (self.count - self.previous) / self.previous if self.previous else None


def recurring_problems(period: Period, slc: Slice = EVERYTHING, *, limit: int = 10) -> list[Recurring]:
    """Candidates for "one theme a month" (每月一题): category × street pairs by volume and growth."""
    areas = _areas()

    def counts(p: Period) -> dict[tuple[int, int], int]:
        out: dict[tuple[int, int], int] = defaultdict(int)
        # by day, leaf categories come from the street × category table (no unit, no grid)
        by_leaf = p.whole_months or (slc.unit_ids is None and slc.areas_by_street)
        cat = "category_id" if by_leaf else "top_category_id"
        for row in _rows(p, slc, [cat, "street_id"], ("received",), intake=True):
            out[(row[cat], row["street_id"])] += int(row["received"] or 0)
        return out

    now, before = counts(period), counts(period.previous())

    def rank(item: tuple[tuple[int, int], int]) -> tuple[int, float]:
        key, n = item
        previous = before.get(key, 0)
        growth = (n - previous) / previous if previous else 0.0
        return -n, -growth

    top = sorted(((key, n) for key, n in now.items() if n > 0), key=rank)[:limit]
    cats = directory.current().category_names
    unclassified, unlocated = _("（未分类）"), _("（未定位）")
    return [
        Recurring(
            c,
            cats.get(c, unclassified),
            s,
            areas[s].name if s in areas else unlocated,
            n,
            before.get((c, s), 0),
        )
        for (c, s), n in top
    ]


def surge_warnings(j: Jurisdiction) -> list[RaisedWarning]:
    """Current category surges, as last evaluated by the periodic refresh."""
    return list(warnings_visible(j).filter(rule__kind="category_surge").order_by("-value")[:20])


def text_hotspots(
    slc: Slice = EVERYTHING, *, now: dt.datetime | None = None, days: int = 14, limit: int = 3000
) -> list[dict[str, Any]] | None:
    """Clusters of similar recent appeals from the triage engine (`lianxin.triage.hotspots`), or
    None when that engine is not installed. Only the most recent `limit` appeals are clustered;
    results are cached for ten minutes per slice (clustering takes seconds, not milliseconds)."""
    from django.core.cache import cache

    key = "supervision:text-hotspots:" + hashlib.sha256(repr((slc, days, limit)).encode()).hexdigest()[:32]
    cached: list[dict[str, Any]] | None = cache.get(key)
    if cached is not None:
        return cached
    result = _text_hotspots(slc, now=now, days=days, limit=limit)
    if result is not None:
        cache.set(key, result, 600)
    return result


def _text_hotspots(
    slc: Slice, *, now: dt.datetime | None, days: int, limit: int
) -> list[dict[str, Any]] | None:
    try:
        from lianxin.triage.hotspots import find_hotspots
    except ImportError:
        return None
    now = now or dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(days=days)
    rows = (
        Appeal.objects.filter(submitted_at__gte=start, submitted_at__lt=now)
        .filter(slc.appeal_q())
        .order_by("-submitted_at")
        .values("pk", "title", "text", "submitted_at", "area__path")[:limit]
    )
    records = [
        {
            "id": r["pk"],
            "title": r["title"],
            "text": r["text"],
            "time": r["submitted_at"],
            "area": r["area__path"],
        }
        for r in rows
    ]
    spots = find_hotspots(records, start=start, end=now, top=10)
    return [
        {
            "label": s.label,
            "size": s.size,
            "growth": s.growth,
            "places": s.places[:3],
            "ids": list(s.ids)[:20],
        }
        for s in spots
    ]


# --- map ----------------------------------------------------------------------------------------------


def grid_map(period: Period, slc: Slice = EVERYTHING, *, metric: str = "received") -> dict[str, Any]:
    """A GeoJSON FeatureCollection of grids with a boundary, and a value per grid for the map."""
    mapping = area_rollup_map(AreaLevel.GRID)[0]
    per_grid: dict[int, KpiFigures] = defaultdict(KpiFigures)
    if metric == "satisfaction":
        rows = _rows(period, slc, ["area_id"], ("rated", "satisfied", "basic"))
    else:
        rows = _rows(period, slc, ["area_id"], ("received",), intake=True)
    for row in rows:
        per_grid[mapping.get(row["area_id"], 0)].add(row)
    features, values = [], []
    allowed = slc.area_ids
    for pk, name, geometry in _grid_shapes():
        if allowed is not None and pk not in allowed:
            continue
        figures = per_grid.get(pk, KpiFigures())
        if metric == "satisfaction":
            rate = figures.satisfaction_rate
            value = round(rate * 100, 1) if rate is not None else None
        else:
            value = figures.counters["received"]
        features.append({"type": "Feature", "properties": {"name": name}, "geometry": geometry})
        values.append({"name": name, "value": value})
    return {
        "geojson": {"type": "FeatureCollection", "features": features},
        "values": values,
        "metric": metric,
    }


# --- the bundle a periodic report asks for -----------------------------------------------------------
