"""The rollup planner: which KPI table answers a period, slice and grouping, and the reads over it
(figures, breakdowns, series)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailedError
from lianxin.org import directory
from lianxin.org.models import Area, User

from ..models import (
    COUNTERS,
    FollowUp,
    KpiAreaDaily,
    KpiAreaMonthly,
    KpiCadreMonthly,
    KpiCategoryDaily,
    KpiCategoryMonthly,
    KpiMonthly,
    KpiStreetDaily,
    KpiStreetMonthly,
    KpiStreetTotalDaily,
    Watermark,
)
from .figures import KpiFigures
from .periods import EVERYTHING, Period, Slice
from .schemes import scheme_for


def _use_monthly(period: Period) -> bool:
    return period.whole_months


# The counters a figure needs, so that wide scans only sum what they use.
SCORE_FIELDS = (
    "received",
    "assigned",
    "accepted",
    "accepted_on_time",
    "solved",
    "solved_known",
    "satisfied",
    "basic",
    "rated",
    "overdue",
    "responded_on_time",
    "response_excused",
    "returned_unjustified",
)
SERIES_FIELDS = (*SCORE_FIELDS, "closed")


COARSE_GROUPS = frozenset({"unit_id", "street_id", "top_category_id", "day"})
# Counters that only rows without a unit carry (an appeal is received before it is assigned).
INTAKE_FIELDS = frozenset({"received"})


def _unitless_table(slc: Slice, group: Iterable[str], *, monthly: bool) -> tuple[Any, Q] | None:
    """The table without a unit that answers a fine slice or grouping: area × top category
    (communities and grids) or street × category (subcategories), by day or by month, with the
    slice as a filter on it; None when the unit is needed or both the area and the category are
    fine (only the fine monthly table has both)."""
    groups = set(group)
    if slc.unit_ids is not None or "unit_id" in groups:
        return None
    fine_area = not slc.areas_by_street or "area_id" in groups
    fine_category = not slc.categories_by_top or "category_id" in groups
    if fine_area == fine_category:
        return None
    if fine_area:
        return (KpiAreaMonthly if monthly else KpiAreaDaily), slc.rollup_q(by_street=False, by_top=True)
    return (KpiCategoryMonthly if monthly else KpiCategoryDaily), slc.rollup_q(by_street=True, by_top=False)


def _daily_table(slc: Slice, group: Iterable[str]) -> tuple[Any, Q]:
    """The daily table that answers this slice and grouping, and the slice as a filter on it:
    day × street alone (the district or streets, no unit or category restriction, grouped at most
    by day and street), else street × top category × unit (coarse slices), else a unit-less table
    (`_unitless_table`). Raises ValidationFailedError otherwise."""
    groups = set(group)
    if (
        slc.unit_ids is None
        and slc.category_ids is None
        and slc.top_category_ids is None
        and slc.areas_by_street
        and groups <= {"day", "street_id"}
    ):
        return KpiStreetTotalDaily, slc.rollup_q(coarse=True)
    if slc.areas_by_street and slc.categories_by_top and not groups & {"area_id", "category_id"}:
        return KpiStreetDaily, slc.rollup_q(coarse=True)
    found = _unitless_table(slc, groups, monthly=False)
    if found is not None:
        return found
    if slc.unit_ids is not None or "unit_id" in groups:
        raise ValidationFailedError(
            _(
                "按日统计不提供“单位 × 社区、网格或小类”的组合：请选择整月或季度，"
                "或把区域放宽到街道（或全区）、分类放宽到大类。"
            ),
            field="period",
        )
    raise ValidationFailedError(
        _(
            "按日统计不提供“社区或网格 × 小类”的组合：请选择整月或季度，"
            "或把区域放宽到街道（或全区），或把分类放宽到大类。"
        ),
        field="period",
    )


def _rows(
    period: Period, slc: Slice, group: list[str], fields: Iterable[str] = COUNTERS, *, intake: bool = False
) -> list[dict[str, Any]]:
    """Summed counters over the rollups, grouped by the given dimensions, from the coarsest table
    that can answer: by day, one of the daily tables (`_daily_table`: day × street alone for the
    district and streets); by month, street × top category, else a monthly table without the unit
    (`_unitless_table`), else the fine monthly table (unit × grid × subcategory).

    `intake`: the fields are intake counters (`INTAKE_FIELDS`), so only the rows without a unit
    need reading (the tables without a unit column, such as the unit-less daily tables and day ×
    street, hold them in every row)."""
    fields = tuple(fields)
    if intake and not set(fields) <= INTAKE_FIELDS:
        raise ValueError(f"not intake counters: {fields}")
    sums = {c: Sum(c) for c in fields}
    qs: QuerySet[Any]
    if "day" in group or not period.whole_months:
        model, q = _daily_table(slc, group)
        qs = model.objects.filter(day__gte=period.start, day__lt=period.end).filter(q)
    elif slc.coarse and set(group) <= COARSE_GROUPS:
        qs = KpiStreetMonthly.objects.filter(month__gte=period.start, month__lt=period.end)
        qs = qs.filter(slc.rollup_q(coarse=True))
    elif (unitless := _unitless_table(slc, group, monthly=True)) is not None:
        model, q = unitless
        qs = model.objects.filter(month__gte=period.start, month__lt=period.end).filter(q)
    else:
        qs = KpiMonthly.objects.filter(month__gte=period.start, month__lt=period.end).filter(slc.rollup_q())
    if intake and hasattr(qs.model, "unit_id"):
        qs = qs.filter(unit_id=0)
    if group:
        return list(qs.values(*group).annotate(**sums).order_by())
    return [qs.aggregate(**sums)]


def answers_daily(slc: Slice) -> bool:
    """Whether day ranges and daily series can be computed for this slice (every slice but a unit
    with a community, grid or subcategory, and a community or grid with a subcategory)."""
    try:
        _daily_table(slc, ["day"])
    except ValidationFailedError:
        return False
    return True


def false_closure_counts(period: Period, slc: Slice, by: str | None = None) -> dict[Any, int]:
    """False closures found by follow-up calls made in the period (by unit, by area or total)."""
    start, end = period.bounds()
    qs = FollowUp.objects.filter(false_closure=True, done_at__gte=start, done_at__lt=end)
    if slc.unit_ids is not None:
        qs = qs.filter(unit_id__in=slc.unit_ids)
    if slc.area_ids is not None:
        qs = qs.filter(appeal__area_id__in=slc.area_ids)
    if slc.category_ids is not None:
        qs = qs.filter(appeal__category_id__in=slc.category_ids)
    if by is None:
        return {None: qs.count()}
    column = {"unit_id": "unit_id", "area_id": "appeal__area_id", "category_id": "appeal__category_id"}[by]
    out: dict[Any, int] = defaultdict(int)
    for key in qs.values_list(column, flat=True):
        out[key or 0] += 1
    return out


def figures_stamp(*periods: Period) -> str:
    """A token that changes whenever a figure of these periods may have changed: the per-month
    watermarks that the rollup fold, a rebuild and false-closure follow-ups move
    (`rollups.touch_months`), and the assessment schemes in force. Cached pages key on it."""
    from ..rollups import MONTH_MARK

    months: set[dt.date] = set()
    for period in periods:
        months.update(Period(period.start.replace(day=1), period.end).months())
    names = [f"{MONTH_MARK}{m:%Y-%m}" for m in sorted(months)]
    marks = sorted(Watermark.objects.filter(name__in=names).values_list("name", "last_id", "updated_at"))
    schemes_state = {
        (
            s.pk,
            s.weight_response,
            s.weight_resolution,
            s.weight_satisfaction,
            s.deduction_per_overdue,
            s.deduction_per_false_closure,
            s.deduction_per_unjustified_return,
        )
        for s in (scheme_for(m) for m in months)
    }
    raw = repr((marks, sorted(schemes_state, key=repr)))
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def kpis(period: Period, slc: Slice = EVERYTHING) -> KpiFigures:
    """All figures for one period and slice."""
    figures = KpiFigures()
    for row in _rows(period, slc, []):
        figures.add(row)
    figures.false_closures = false_closure_counts(period, slc)[None]
    return figures


@dataclass
class BreakdownRow:
    key: Any
    label: str
    figures: KpiFigures
    previous: KpiFigures | None = None
    link: dict[str, Any] = field(default_factory=dict)


BREAKDOWNS = ("unit", "street", "community", "grid", "category", "top_category", "cadre")


def _areas() -> dict[int, Area]:
    """Every area (without its boundary), from the process's organisation snapshot."""
    return directory.current().areas


def _grid_shapes() -> tuple[tuple[int, str, dict[str, Any]], ...]:
    """(id, name, GeoJSON geometry) of every grid with a usable boundary."""
    return directory.current().grid_shapes


def area_rollup_map(level: str) -> tuple[dict[int, int], dict[int, Area]]:
    """Map every area id to its ancestor (or itself) at `level`; areas above that level map to 0."""
    areas = _areas()
    by_code = {a.code: a for a in areas.values()}
    depth = {"district": 0, "street": 1, "community": 2, "grid": 3}[str(level)]
    out: dict[int, int] = {}
    for area in areas.values():
        codes = area.path.split("/")
        target = by_code.get(codes[depth]) if len(codes) > depth else None
        out[area.pk] = target.pk if target else 0
    return out, areas


def breakdown(
    period: Period,
    slc: Slice = EVERYTHING,
    *,
    by: str,
    with_previous: bool = False,
    fields: Iterable[str] = COUNTERS,
) -> list[BreakdownRow]:
    """Figures per unit / street / community / grid / category / top-level category / cadre."""
    if by not in BREAKDOWNS:
        raise ValidationFailedError(
            _("不支持的分组方式“{by}”，可选：{choices}。").format(by=by, choices="、".join(BREAKDOWNS)),
            field="by",
        )

    def collect(p: Period) -> dict[Any, KpiFigures]:
        result: dict[Any, KpiFigures] = defaultdict(KpiFigures)
        if by == "cadre":
            cadre_qs = KpiCadreMonthly.objects.filter(month__gte=p.start, month__lt=p.end)
            if slc.unit_ids is not None:
                cadre_qs = cadre_qs.filter(unit_id__in=slc.unit_ids)
            cadre_rows: Any = cadre_qs.values("user_id")
            for row in cadre_rows.annotate(**{c: Sum(c) for c in COUNTERS}).order_by():
                result[row["user_id"]].add(row)
            return result
        column = {
            "unit": "unit_id",
            "street": "street_id",
            "category": "category_id",
            "top_category": "top_category_id",
        }.get(by, "area_id")
        mapping: dict[int, int] | None = None
        if by in ("community", "grid"):
            mapping = area_rollup_map(by)[0]
        for row in _rows(p, slc, [column], fields):
            key = row[column]
            if mapping is not None:
                key = mapping.get(key, 0)
            result[key].add(row)
        if by in ("unit",):
            for key, n in false_closure_counts(p, slc, by="unit_id").items():
                result[key].false_closures += n
        return result

    current = collect(period)
    previous = collect(period.previous()) if with_previous else {}
    labels = _labels(by, set(current) | set(previous))
    unspecified = _("（未指定）")
    rows = [
        BreakdownRow(
            key=key,
            label=labels.get(key, unspecified),
            figures=current.get(key, KpiFigures()),
            previous=previous.get(key) if with_previous else None,
        )
        for key in current
        if key or by not in ("unit", "cadre")  # intake counts have no unit; they are in the totals
    ]
    rows.sort(key=lambda r: (-r.figures.counters["received"] - r.figures.counters["assigned"], r.label))
    return rows


def _labels(by: str, keys: set[Any]) -> dict[Any, str]:
    ids = [k for k in keys if k]
    if by == "cadre":
        return {u.pk: str(u) for u in User.objects.filter(pk__in=ids)}
    org = directory.current()
    names = {"unit": org.unit_names, "category": org.category_names, "top_category": org.category_names}.get(
        by
    )
    if names is None:
        return {pk: org.areas[pk].name for pk in ids if pk in org.areas}
    return {pk: names[pk] for pk in ids if pk in names}


def series(period: Period, slc: Slice = EVERYTHING, *, step: str = "day") -> list[tuple[dt.date, KpiFigures]]:
    """A daily or weekly (weeks starting Monday) series of figures over the period."""
    return weekly(daily_series(period, slc)) if step == "week" else daily_series(period, slc)


def daily_series(period: Period, slc: Slice = EVERYTHING) -> list[tuple[dt.date, KpiFigures]]:
    by_day: dict[dt.date, KpiFigures] = defaultdict(KpiFigures)
    for row in _rows(Period(period.start, period.end), slc, ["day"], SERIES_FIELDS):
        by_day[row["day"]].add(row)
    return sorted(by_day.items())


def weekly(days: list[tuple[dt.date, KpiFigures]]) -> list[tuple[dt.date, KpiFigures]]:
    """Fold a daily series into weeks starting on Monday."""
    weeks: dict[dt.date, KpiFigures] = defaultdict(KpiFigures)
    for day, figures in days:
        week = weeks[day - dt.timedelta(days=day.weekday())]
        week.add(figures.counters)
        week.false_closures += figures.false_closures
    return sorted(weeks.items())


# --- assessment and rankings ------------------------------------------------------------------------
