"""The monthly open-data export of appeals: aggregate counts per cell, never row-level records.

A cell is community × category × month. A cell with fewer than `k` appeals
(`settings.LIANXIN_OPENDATA_K`, default 5) is folded up: first its area to the street, then its
category to the parent category, step by step to the top-level category; what is still below `k`
at street × top-level category goes into one residual cell (area and category "*"). Only
counts are published: no tracking numbers, titles, texts, names, phones, addresses, coordinates
or units' handlers. Anonymous appeals appear only in the counts (`anonymous`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from lianxin.appeals.models import Appeal, Satisfaction, Status
from lianxin.core.errors import ValidationFailedError
from lianxin.org.models import Area, AreaLevel, Category
from lianxin.worktime import calendar

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
RESIDUAL = "*"

MEASURES = (
    "appeals",
    "anonymous",
    "open",
    "closed",
    "merged",
    "withdrawn",
    "closed_on_time",
    "closed_late",
    "overdue_open",
    "rated",
    "satisfied",
    "basic",
    "dissatisfied",
)

DICTIONARY: dict[str, Any] = {
    "title": "Lianxin open data: appeals per month, community and category (aggregate counts)",
    "granularity": (
        "One row is an aggregate cell: month x area x category, with counts. No row-level records "
        "are published; no personal data (names, phones, addresses, coordinates, texts, titles, "
        "tracking numbers) is in the export. Anonymous appeals are included only as counts."
    ),
    "k_anonymity": (
        "A community x category x month cell with fewer than k appeals is folded up: its area to "
        "the street, then its category to the parent category, up to the top-level category; what "
        "is still below k goes into one residual row (area_code and category_code '*'). 'level' and "
        "'category_level' say how far a row was folded. The daily table counts the whole export."
    ),
    "fields": {
        "month": "Month of submission, YYYY-MM (Asia/Shanghai).",
        "area_code": "Code of the community, or of the street when folded; '*' for the residual row.",
        "area_name": "Name of that area.",
        "street_code": "Code of the street the area belongs to ('' for the residual row).",
        "level": "community, street or residual: the area level of the row after folding.",
        "category_code": "Code of the category (possibly a parent category after folding; '*' residual).",
        "category_name": "Name of that category.",
        "category_level": "1 (top level) to 3; 0 for the residual row.",
        "appeals": "Appeals submitted in the month in this cell.",
        "anonymous": "Of these, submitted anonymously.",
        "open": "Still open at the time of export (submitted, dispatched, returned, accepted, replied).",
        "closed": "Closed (办结).",
        "merged": "Merged into another appeal as a duplicate.",
        "withdrawn": "Withdrawn by the resident.",
        "closed_on_time": "Closed no later than the resolution deadline (timeliness).",
        "closed_late": "Closed after the resolution deadline.",
        "overdue_open": "Open and past the resolution deadline at export time.",
        "rated": "Rated by the resident (satisfaction).",
        "satisfied": "Rated satisfied (满意).",
        "basic": "Rated basically satisfied (基本满意).",
        "dissatisfied": "Rated dissatisfied (不满意).",
    },
    "daily_fields": {
        "day": "Day, YYYY-MM-DD (Asia/Shanghai).",
        "submitted": "Appeals submitted that day (all areas and categories).",
        "closed": "Of the appeals submitted in the month, those closed that day.",
    },
}


def parse_month(value: str) -> dt.date:
    """`2026-10` → the first day of that month; anything else a
    ValidationFailedError saying how to write it."""
    m = MONTH_RE.match((value or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
        raise ValidationFailedError(
            f"Month must be written YYYY-MM, e.g. 2026-10 (got {value!r}).", field="month"
        )
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def next_month(first: dt.date) -> dt.date:
    return dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def is_past(first: dt.date, *, today: dt.date | None = None) -> bool:
    today = today or timezone.now().astimezone(calendar.TZ).date()
    return next_month(first) <= today


def k_threshold() -> int:
    return max(1, int(getattr(settings, "LIANXIN_OPENDATA_K", 5)))


@dataclass
class _Cell:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MEASURES, 0))

    def add(self, other: dict[str, int]) -> None:
        for k, v in other.items():
            self.counts[k] += v


def _measures(a: Mapping[str, Any], now: dt.datetime) -> dict[str, int]:
    status = a["status"]
    due, closed_at = a["resolve_due_at"], a["closed_at"]
    is_open = status not in (Status.CLOSED, Status.MERGED, Status.WITHDRAWN)
    closed = status == Status.CLOSED
    return {
        "appeals": 1,
        "anonymous": int(bool(a["is_anonymous"])),
        "open": int(is_open),
        "closed": int(closed),
        "merged": int(status == Status.MERGED),
        "withdrawn": int(status == Status.WITHDRAWN),
        "closed_on_time": int(closed and closed_at is not None and (due is None or closed_at <= due)),
        "closed_late": int(closed and closed_at is not None and due is not None and closed_at > due),
        "overdue_open": int(is_open and due is not None and due < now),
        "rated": int(bool(a["satisfaction"])),
        "satisfied": int(a["satisfaction"] == Satisfaction.SATISFIED),
        "basic": int(a["satisfaction"] == Satisfaction.BASIC),
        "dissatisfied": int(a["satisfaction"] == Satisfaction.DISSATISFIED),
    }


def _ancestor_at(area: Area | None, areas: dict[int, Area], level: str) -> Area | None:
    while area is not None and area.level != level:
        area = areas.get(area.parent_id) if area.parent_id else None
    return area


def build(month: str, *, k: int | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """The export of one month: {"month", "k", "cells": [...], "daily": [...], "dictionary"}."""
    first = parse_month(month)
    k = k or k_threshold()
    now = now or timezone.now()
    start = dt.datetime.combine(first, dt.time(), tzinfo=calendar.TZ)
    end = dt.datetime.combine(next_month(first), dt.time(), tzinfo=calendar.TZ)
    areas = {a.pk: a for a in Area.objects.all()}
    cats = {c.pk: c for c in Category.objects.all()}
    rows = Appeal.objects.filter(submitted_at__gte=start, submitted_at__lt=end).values(
        "area_id",
        "category_id",
        "status",
        "is_anonymous",
        "resolve_due_at",
        "closed_at",
        "satisfaction",
        "submitted_at",
    )
    # key: (area_id or None, category_id or None); None = unknown / residual
    cells: dict[tuple[int | None, int | None], _Cell] = defaultdict(_Cell)
    days: dict[dt.date, list[int]] = {}
    d = first
    while d < next_month(first):
        days[d] = [0, 0]
        d += dt.timedelta(days=1)
    for a in rows.iterator():
        area = areas.get(a["area_id"]) if a["area_id"] else None
        community = _ancestor_at(area, areas, AreaLevel.COMMUNITY) or _ancestor_at(
            area, areas, AreaLevel.STREET
        )
        cells[(community.pk if community else None, a["category_id"])].add(_measures(a, now))
        days[a["submitted_at"].astimezone(calendar.TZ).date()][0] += 1
        if a["closed_at"] is not None and a["status"] == Status.CLOSED:
            closed_day = a["closed_at"].astimezone(calendar.TZ).date()
            if closed_day in days:
                days[closed_day][1] += 1
    published: dict[tuple[int | None, int | None], _Cell] = {}
    pending = dict(cells)
    # 1. community cells at or above k stay; the rest fold to the street
    folded: dict[tuple[int | None, int | None], _Cell] = defaultdict(_Cell)
    for (area_id, cat_id), cell in pending.items():
        area = areas.get(area_id) if area_id else None
        if area is not None and area.level == AreaLevel.COMMUNITY and cell.counts["appeals"] >= k:
            published[(area_id, cat_id)] = cell
            continue
        street = _ancestor_at(area, areas, AreaLevel.STREET)
        folded[(street.pk if street else None, cat_id)].add(cell.counts)
    # 2. street cells: fold the category up one level at a time until >= k or top level
    while True:
        moved = False
        nxt: dict[tuple[int | None, int | None], _Cell] = defaultdict(_Cell)
        for (area_id, cat_id), cell in folded.items():
            cat = cats.get(cat_id) if cat_id else None
            if area_id is None or cat is None:
                nxt[(None, None)].add(cell.counts)
            elif cell.counts["appeals"] >= k:
                published[(area_id, cat_id)] = cell
            elif cat.parent_id:
                nxt[(area_id, cat.parent_id)].add(cell.counts)
                moved = True
            else:
                nxt[(None, None)].add(cell.counts)
        folded = nxt
        if not moved:
            break
    residual = folded.get((None, None))
    out = []
    for (area_id, cat_id), cell in sorted(published.items(), key=lambda kv: _sort_key(kv[0], areas, cats)):
        area, cat = areas[area_id], cats[cat_id]  # type: ignore[index]
        street = _ancestor_at(area, areas, AreaLevel.STREET)
        out.append(
            {
                "month": first.strftime("%Y-%m"),
                "area_code": area.code,
                "area_name": area.name,
                "street_code": street.code if street else "",
                "level": "community" if area.level == AreaLevel.COMMUNITY else "street",
                "category_code": cat.code,
                "category_name": cat.name,
                "category_level": cat.level,
                **cell.counts,
            }
        )
    if residual is not None and residual.counts["appeals"]:
        out.append(
            {
                "month": first.strftime("%Y-%m"),
                "area_code": RESIDUAL,
                "area_name": "",
                "street_code": "",
                "level": "residual",
                "category_code": RESIDUAL,
                "category_name": "",
                "category_level": 0,
                **residual.counts,
            }
        )
    return {
        "month": first.strftime("%Y-%m"),
        "k": k,
        "generated_at": now.astimezone(calendar.TZ).isoformat(timespec="seconds"),
        "cells": out,
        "daily": [{"day": d.isoformat(), "submitted": v[0], "closed": v[1]} for d, v in sorted(days.items())],
        "dictionary": DICTIONARY,
    }


def _sort_key(
    key: tuple[int | None, int | None], areas: dict[int, Area], cats: dict[int, Category]
) -> tuple[str, str]:
    area, cat = areas.get(key[0] or 0), cats.get(key[1] or 0)
    return (area.path if area else "", cat.path if cat else "")


CELL_COLUMNS = (
    "month",
    "area_code",
    "area_name",
    "street_code",
    "level",
    "category_code",
    "category_name",
    "category_level",
    *MEASURES,
)


def to_csv(export: dict[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CELL_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(export["cells"])
    return buf.getvalue()


def daily_csv(export: dict[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=("day", "submitted", "closed"), lineterminator="\n")
    writer.writeheader()
    writer.writerows(export["daily"])
    return buf.getvalue()


def to_json(export: dict[str, Any]) -> str:
    return json.dumps(export, ensure_ascii=False, indent=1)


def dictionary_json(k: int | None = None) -> str:
    return json.dumps({**DICTIONARY, "k": k or k_threshold()}, ensure_ascii=False, indent=1)
