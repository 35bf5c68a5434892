"""The bundle a periodic report asks for."""

from __future__ import annotations

from typing import Any

from lianxin.org.models import Area

from .drilldown import appeals_behind
from .hotspots import recurring_problems
from .periods import EVERYTHING, Period, Slice
from .planner import breakdown, kpis
from .scoring import rankings


def period_report(period: Period, area: Area | None = None, *, slc: Slice = EVERYTHING) -> dict[str, Any]:
    """Everything a monthly or quarterly report needs for one area, with the previous period."""
    if area is not None:
        slc = slc.narrow(area=area)
    report: dict[str, Any] = {
        "period": period,
        "previous_period": period.previous(),
        "area": area,
        "totals": kpis(period, slc),
        "previous_totals": kpis(period.previous(), slc),
        "by_unit": breakdown(period, slc, by="unit", with_previous=True),
        "by_street": breakdown(period, slc, by="street", with_previous=True),
        "by_category": breakdown(period, slc, by="top_category", with_previous=True),
        "overdue": list(appeals_behind("overdue", period, slc).select_related("unit", "area")[:500]),
        "false_closures": list(appeals_behind("false_closures", period, slc)[:500]),
        "dissatisfied": list(
            appeals_behind("dissatisfied", period, slc).select_related("unit", "area")[:500]
        ),
        "recurring": recurring_problems(period, slc),
    }
    if period.kind in ("month", "quarter"):  # a quarter ranks by the whole quarter (issue 16)
        report["unit_ranking"] = rankings(period, slc, by="unit")
        report["street_ranking"] = rankings(period, slc, by="street")
    else:
        months = period.months()
        report["unit_ranking"] = rankings(Period.month(months[-1].year, months[-1].month), slc, by="unit")
        report["street_ranking"] = rankings(Period.month(months[-1].year, months[-1].month), slc, by="street")
    return report
