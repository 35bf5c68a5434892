"""Finding problems before anyone complains (未诉先办): plain functions over plain records.

No Django here: `services.proposals_generate` reads the appeals into `Record`s and turns each
`Proposal` into a task. Each detector returns proposals with a stable `key`, so the periodic job
proposes a pattern once (per month, or per building and month).

- **recurring**: the same category in the same area in each of the last `months` whole months,
  at least `min_per_month` appeals each month (每月一题 candidates).
- **building**: at least `min_count` appeals from the same building (address up to 栋/号楼/幢/座)
  within `days`.
- **seasonal**: a category that spiked last year in the month about to start (or this month):
  at least `min_count` appeals then, and at least `ratio` times its monthly average of last year.
- **hotspot**: a text cluster from the triage engine (supervision's text hotspots) of at least
  `min_size` appeals.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Record:
    id: int
    category_id: int | None
    area_id: int | None
    submitted_on: dt.date
    building: str = ""  # `building_key(address)`, "" when unknown


@dataclass
class Proposal:
    kind: str  # recurring | building | seasonal | hotspot
    key: str
    category_id: int | None
    area_id: int | None
    appeal_ids: list[int] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # what the reason text is made of


_BUILDING = re.compile(r"^(.*?\d+\s*(?:号楼|栋|幢|座|楼))")
_SPACES = re.compile(r"\s+")


def building_key(address: str) -> str:
    """The building part of an address ("幸福路 88 号 3 栋 201" → "幸福路88号3栋"), or "" if none."""
    text = _SPACES.sub("", address or "")
    match = _BUILDING.match(text)
    return match.group(1) if match else ""


def month_start(day: dt.date, back: int = 0) -> dt.date:
    """The first day of the month `back` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def recurring(
    records: Iterable[Record], *, today: dt.date, months: int = 3, min_per_month: int = 3
) -> list[Proposal]:
    wanted = [month_start(today, back) for back in range(months, 0, -1)]  # whole months only
    by_key: dict[tuple[int, int], dict[dt.date, list[int]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        if r.category_id is None or r.area_id is None:
            continue
        m = _month(r.submitted_on)
        if m in wanted:
            by_key[(r.category_id, r.area_id)][m].append(r.id)
    out = []
    for (cat, area), per_month in sorted(by_key.items()):
        counts = [len(per_month.get(m, ())) for m in wanted]
        if min(counts) >= min_per_month:
            ids = sorted(i for m in wanted for i in per_month.get(m, ()))
            out.append(
                Proposal(
                    "recurring",
                    f"recurring:{cat}:{area}:{today:%Y-%m}",
                    cat,
                    area,
                    ids,
                    {"months": months, "counts": counts},
                )
            )
    return out


def repeated_buildings(
    records: Iterable[Record], *, today: dt.date, days: int = 60, min_count: int = 3
) -> list[Proposal]:
    since = today - dt.timedelta(days=days)
    by_building: dict[tuple[int | None, str], list[Record]] = defaultdict(list)
    for r in records:
        if r.building and since <= r.submitted_on <= today:
            by_building[(r.area_id, r.building)].append(r)
    out = []
    for (area, building), rows in sorted(by_building.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])):
        if len(rows) < min_count:
            continue
        cats = [r.category_id for r in rows if r.category_id is not None]
        top = max(set(cats), key=lambda c: (cats.count(c), -c)) if cats else None
        out.append(
            Proposal(
                "building",
                f"building:{area}:{building}:{today:%Y-%m}",
                top,
                area,
                sorted(r.id for r in rows),
                {"building": building, "days": days, "count": len(rows)},
            )
        )
    return out


def seasonal(
    records: Iterable[Record], *, today: dt.date, min_count: int = 3, ratio: float = 2.0
) -> list[Proposal]:
    """Categories that spiked last year in this month or the next (act before the season)."""
    last_year = today.year - 1
    per_cat: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        if r.category_id is not None and r.submitted_on.year == last_year:
            per_cat[r.category_id][r.submitted_on.month].append(r.id)
    targets = [today.month, month_start(today, -1).month]
    out = []
    for cat, months in sorted(per_cat.items()):
        average = sum(len(v) for v in months.values()) / 12
        for month in targets:
            ids = months.get(month, [])
            if len(ids) >= min_count and len(ids) >= ratio * average:
                out.append(
                    Proposal(
                        "seasonal",
                        f"seasonal:{cat}:{today.year}-{month:02d}",
                        cat,
                        None,
                        sorted(ids),
                        {"month": month, "count": len(ids), "average": round(average, 1)},
                    )
                )
                break
    return out


def hotspots(spots: Sequence[dict[str, Any]], *, today: dt.date, min_size: int = 5) -> list[Proposal]:
    """Text clusters (`supervision.selectors.text_hotspots`) as proposals, one per label and month."""
    out = []
    for spot in spots:
        if int(spot.get("size") or 0) >= min_size and spot.get("ids"):
            label = str(spot.get("label") or "")[:60]
            out.append(
                Proposal(
                    "hotspot",
                    f"hotspot:{label}:{today:%Y-%m}",
                    None,
                    None,
                    sorted(int(i) for i in spot["ids"]),
                    {"label": label, "size": int(spot["size"]), "places": list(spot.get("places") or [])[:3]},
                )
            )
    return out
