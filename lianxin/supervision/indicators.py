"""Indicators other apps contribute to supervision (the assessment, the monthly report) without
supervision importing them: an app registers its indicators from its `AppConfig.ready`
(outreach: the contact KPIs, `lianxin/outreach/kpis.py`), and supervision reads the registry.

An indicator computes one figure for the areas at `area_paths` (and inside them; `None` = the
whole district) over the days `start`..`end` (inclusive): a share in 0..1, or a count, or None
when there is nothing to measure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Compute = Callable[[tuple[str, ...] | None, dt.date, dt.date], float | None]


@dataclass(frozen=True)
class Indicator:
    code: str  # stable: what a scheme or a report refers to
    label: Any  # a lazy translation
    kind: str  # "share" (0..1, higher is better) or "count"
    compute: Compute
    source: str = ""  # the app that registered it


_REGISTRY: dict[str, Indicator] = {}


def register_indicator(indicator: Indicator) -> None:
    """Register (or replace: `ready` may run twice) an indicator by its code."""
    if indicator.kind not in ("share", "count"):
        raise ValueError(f"indicator {indicator.code}: kind must be 'share' or 'count'")
    _REGISTRY[indicator.code] = indicator


def indicators() -> tuple[Indicator, ...]:
    return tuple(_REGISTRY[c] for c in sorted(_REGISTRY))


def indicator(code: str) -> Indicator | None:
    return _REGISTRY.get(code)


def indicator_values(*, area_paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Every registered indicator's figure for these areas and days, in code order."""
    return [{"code": i.code, "label": str(i.label), "kind": i.kind, "value": i.compute(area_paths, start, end)}
            for i in indicators()]
