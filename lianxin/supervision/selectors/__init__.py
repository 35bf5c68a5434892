"""Read side of supervision: KPI figures for any period and slice, breakdowns, series, rankings,
drill-downs, and the bundle a periodic report needs.

Everything here returns dataclasses, dicts or querysets, so that web views, the API and the
report generator (`lianxin report`) call the same plain functions. Definitions: docs/kpis.md.
"""

# Re-exported so that callers keep importing from here.
from .bundles import period_report
from .cadres import CadreRow, cadre_figures
from .drilldown import (
    APPEAL_LIST_FIELDS,
    DRILLDOWN,
    FIGURE_LABELS,
    appeals_behind,
    due_soon_appeals,
    events_behind,
    overdue_appeals,
)
from .figures import KpiFigures
from .hotspots import Recurring, grid_map, recurring_problems, surge_warnings, text_hotspots
from .periods import (
    EVERYTHING,
    Jurisdiction,
    Period,
    Slice,
    area_slice,
    area_subtree_ids,
)
from .planner import (
    BREAKDOWNS,
    COARSE_GROUPS,
    INTAKE_FIELDS,
    SCORE_FIELDS,
    SERIES_FIELDS,
    BreakdownRow,
    answers_daily,
    area_rollup_map,
    breakdown,
    daily_series,
    false_closure_counts,
    figures_stamp,
    kpis,
    series,
    weekly,
)
from .planner import _daily_table as _daily_table  # for tests of the planner
from .planner import _rows as _rows
from .schemes import active_schemes, scheme_for
from .scoring import RankingRow, Score, rankings, score_of
from .worklists import (
    WEAK_REPLY_THRESHOLD,
    follow_up_queue,
    follow_ups_visible,
    warnings_visible,
    weak_replies,
)

__all__ = [
    "APPEAL_LIST_FIELDS",
    "BREAKDOWNS",
    "COARSE_GROUPS",
    "DRILLDOWN",
    "EVERYTHING",
    "FIGURE_LABELS",
    "INTAKE_FIELDS",
    "SCORE_FIELDS",
    "SERIES_FIELDS",
    "WEAK_REPLY_THRESHOLD",
    "BreakdownRow",
    "CadreRow",
    "Jurisdiction",
    "KpiFigures",
    "Period",
    "RankingRow",
    "Recurring",
    "Score",
    "Slice",
    "active_schemes",
    "answers_daily",
    "appeals_behind",
    "area_rollup_map",
    "area_slice",
    "area_subtree_ids",
    "breakdown",
    "cadre_figures",
    "daily_series",
    "due_soon_appeals",
    "events_behind",
    "false_closure_counts",
    "figures_stamp",
    "follow_up_queue",
    "follow_ups_visible",
    "grid_map",
    "kpis",
    "overdue_appeals",
    "period_report",
    "rankings",
    "recurring_problems",
    "scheme_for",
    "score_of",
    "series",
    "surge_warnings",
    "text_hotspots",
    "warnings_visible",
    "weak_replies",
    "weekly",
]
