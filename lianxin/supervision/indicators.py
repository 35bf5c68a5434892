"""Indicators other apps contribute to supervision (the assessment, the monthly report) without
supervision importing them: an app registers its indicators from its `AppConfig.ready`
(outreach: the contact KPIs, `lianxin/outreach/kpis.py`), and supervision reads the registry.

An indicator computes one figure for the areas at `area_paths` (and inside them; `None` = the
whole district) over the days `start`..`end` (inclusive): a share in 0..1, or a count, or None
when there is nothing to measure.

An app may also register a *section* (its source name, a title and an order): the monthly report
shows each section's indicators under that title, and only when one of them has something to show.
A section may also give `tables`: breakdowns (e.g. mediation cases by type and outcome, by
community) computed for the same areas and days, each a `Table` of plain strings and numbers so
that a report can keep it. Nothing personal goes in a table: published reports are public.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

Compute = Callable[[tuple[str, ...] | None, dt.date, dt.date], float | None]


@dataclass(frozen=True)
class Indicator:
    code: str  # stable: what a scheme or a report refers to
    label: Any  # a lazy translation
    kind: str  # "share" (0..1, higher is better) or "count"
    compute: Compute
    source: str = ""  # the app that registered it


@dataclass(frozen=True)
class Table:
    """One breakdown: a title, column headings and rows of cells (str, int, float or None)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


Tables = Callable[[tuple[str, ...] | None, dt.date, dt.date], list[Table]]


@dataclass(frozen=True)
class Section:
    source: str  # the `source` of the indicators it groups
    title: Any  # a lazy translation
    order: int = 100
    tables: Tables | None = None  # breakdowns shown under the section's indicators


@dataclass(frozen=True)
class UnitDeduction:
    """Items another app counts against a unit in its monthly score, each costing what an overdue
    appeal costs in the scheme (e.g. consultations: one whose decision is overdue). `compute`
    gives the count per unit id for the days start..end (inclusive)."""

    code: str
    label: Any  # a lazy translation
    compute: Callable[[dt.date, dt.date], dict[int, int]]
    source: str = ""


_REGISTRY: dict[str, Indicator] = {}
_SECTIONS: dict[str, Section] = {}
_DEDUCTIONS: dict[str, UnitDeduction] = {}


def register_unit_deduction(deduction: UnitDeduction) -> None:
    """Register (or replace) a count of items that cost a unit points."""
    _DEDUCTIONS[deduction.code] = deduction


def unit_deductions() -> tuple[UnitDeduction, ...]:
    return tuple(_DEDUCTIONS[c] for c in sorted(_DEDUCTIONS))


def register_indicator(indicator: Indicator) -> None:
    """Register (or replace: `ready` may run twice) an indicator by its code."""
    if indicator.kind not in ("share", "count"):
        raise ValueError(f"indicator {indicator.code}: kind must be 'share' or 'count'")
    _REGISTRY[indicator.code] = indicator


def register_section(section: Section) -> None:
    """Register (or replace) the report section of one source's indicators."""
    _SECTIONS[section.source] = section


def sections() -> tuple[Section, ...]:
    return tuple(sorted(_SECTIONS.values(), key=lambda s: (s.order, s.source)))


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The aware datetimes [start 00:00, the day after end 00:00) in the project's time zone."""
    return (
        timezone.make_aware(dt.datetime.combine(start, dt.time.min)),
        timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)),
    )


def indicators() -> tuple[Indicator, ...]:
    return tuple(_REGISTRY[c] for c in sorted(_REGISTRY))


def indicator(code: str) -> Indicator | None:
    return _REGISTRY.get(code)


def indicator_values(
    *, area_paths: tuple[str, ...] | None, start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    """Every registered indicator's figure for these areas and days, in code order."""
    return [
        {
            "code": i.code,
            "label": str(i.label),
            "kind": i.kind,
            "source": i.source,
            "value": i.compute(area_paths, start, end),
        }
        for i in indicators()
    ]
