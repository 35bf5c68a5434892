"""Read side of supervision: KPI figures for any period and slice, breakdowns, series, rankings,
drill-downs, and the bundle a periodic report needs.

Everything here returns dataclasses, dicts or querysets, so that web views, the API and the
report generator (`lianxin report`) call the same plain functions. Definitions: docs/kpis.md.
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.appeals.models import Appeal, AppealEvent, EventType, Status
from lianxin.core.errors import Forbidden, NotFound, ValidationFailed
from lianxin.core.memo import ProcessMemo
from lianxin.org import directory
from lianxin.org.models import Area, AreaLevel, Category, Role, Unit, User
from lianxin.org.selectors import scope_of
from lianxin.worktime import calendar

from .models import (
    COUNTERS,
    AssessmentScheme,
    FollowUp,
    FollowUpStatus,
    KpiAreaDaily,
    KpiAreaMonthly,
    KpiCadreMonthly,
    KpiCategoryDaily,
    KpiCategoryMonthly,
    KpiMonthly,
    KpiStreetDaily,
    KpiStreetMonthly,
    KpiStreetTotalDaily,
    RaisedWarning,
    SupervisionOrder,
    WarningStatus,
    Watermark,
)

SUPERVISION_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.ADMIN)


# --- periods ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A half-open range of local days [start, end). Months and quarters know their predecessor."""

    start: dt.date
    end: dt.date
    kind: str = "range"

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = dt.date(year, month, 1)
        return cls(start, _add_months(start, 1), "month")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        start = dt.date(year, 3 * (quarter - 1) + 1, 1)
        return cls(start, _add_months(start, 3), "quarter")

    @classmethod
    def containing(cls, day: dt.date) -> Period:
        return cls.month(day.year, day.month)

    @classmethod
    def parse(cls, text: str | None, *, today: dt.date | None = None) -> Period:
        """`2026-05`, `2026-Q2` or `2026-05-01..2026-05-31` (inclusive); empty: this month."""
        today = today or dt.datetime.now(calendar.TZ).date()
        text = (text or "").strip()
        try:
            if not text:
                return cls.containing(today)
            if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
                return cls.month(int(m[1]), int(m[2]))
            if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
                return cls.quarter(int(m[1]), int(m[2]))
            if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
                start, last = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
                if last < start or (last - start).days > 731:
                    raise ValueError
                return cls(start, last + dt.timedelta(days=1))
        except ValueError:
            pass
        raise ValidationFailed(
            _("统计周期格式不正确：请用 2026-05（月）、2026-Q2（季度）或 2026-05-01..2026-05-31（日期区间，最长两年）。"),
            field="period",
        )

    def previous(self) -> Period:
        if self.kind == "month":
            return Period(_add_months(self.start, -1), self.start, "month")
        if self.kind == "quarter":
            return Period(_add_months(self.start, -3), self.start, "quarter")
        length = self.end - self.start
        return Period(self.start - length, self.start)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start:%Y-%m-%d}..{self.end - dt.timedelta(days=1):%Y-%m-%d}"

    @property
    def whole_months(self) -> bool:
        return self.start.day == 1 and self.end.day == 1

    def months(self) -> list[dt.date]:
        out, current = [], self.start
        while current < self.end:
            out.append(current)
            current = _add_months(current, 1)
        return out

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware datetimes (local midnight to local midnight)."""
        return (
            dt.datetime.combine(self.start, dt.time(0), tzinfo=calendar.TZ),
            dt.datetime.combine(self.end, dt.time(0), tzinfo=calendar.TZ),
        )


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, pycal.monthrange(year, month + 1)[1]))


# --- slices: which units, areas, categories ---------------------------------------------------------


@dataclass(frozen=True)
class Slice:
    """A filter on the rollup dimensions. None means "no restriction".

    `area_ids` / `category_ids` restrict the fine grain (grid, leaf category); `street_ids` /
    `top_category_ids` express the same restriction on the coarse grain when it can be.
    `areas_by_street` is False when the area restriction cannot (a community or a grid), and
    `categories_by_top` when the category restriction cannot (a subcategory); `coarse` (both true)
    decides between the coarse and the fine tables (see `_rows`)."""

    unit_ids: frozenset[int] | None = None
    area_ids: frozenset[int] | None = None
    category_ids: frozenset[int] | None = None
    street_ids: frozenset[int] | None = None
    top_category_ids: frozenset[int] | None = None
    areas_by_street: bool = True
    categories_by_top: bool = True

    @property
    def coarse(self) -> bool:
        return self.areas_by_street and self.categories_by_top

    def narrow(
        self,
        *,
        unit: Unit | int | None = None,
        area: Area | None = None,
        category: Category | None = None,
    ) -> Slice:
        unit_ids, area_ids, category_ids = self.unit_ids, self.area_ids, self.category_ids
        street_ids, top_ids = self.street_ids, self.top_category_ids
        by_street, by_top = self.areas_by_street, self.categories_by_top
        if unit is not None:
            pk = unit.pk if isinstance(unit, Unit) else unit
            unit_ids = frozenset({pk}) if unit_ids is None else unit_ids & {pk}
        if area is not None:
            part = area_slice([area.path])
            area_ids = part.area_ids if area_ids is None else area_ids & (part.area_ids or frozenset())
            if part.areas_by_street and part.street_ids is not None:
                street_ids = part.street_ids if street_ids is None else street_ids & part.street_ids
            by_street = by_street and part.areas_by_street and (self.area_ids is None or self.street_ids is not None)
        if category is not None:
            cats = frozenset(
                Category.objects.filter(Q(path=category.path) | Q(path__startswith=category.path + "/")).values_list(
                    "pk", flat=True
                )
            )
            category_ids = cats if category_ids is None else category_ids & cats
            if category.parent_id is None and self.category_ids is None:
                top_ids = frozenset({category.pk})
            else:
                by_top = False
        return Slice(unit_ids, area_ids, category_ids, street_ids, top_ids, by_street, by_top)

    def rollup_q(self, *, coarse: bool = False, by_street: bool | None = None, by_top: bool | None = None) -> Q:
        """The slice as a filter on a rollup table: areas on `street_id` (by_street) or `area_id`,
        categories on `top_category_id` (by_top) or `category_id`; `coarse` sets the default of both."""
        by_street = coarse if by_street is None else by_street
        by_top = coarse if by_top is None else by_top
        q = Q()
        if self.unit_ids is not None:
            q &= Q(unit_id__in=self.unit_ids)
        if by_street:
            if self.street_ids is not None:
                q &= Q(street_id__in=self.street_ids)
        elif self.area_ids is not None:
            q &= Q(area_id__in=self.area_ids)
        if by_top:
            if self.top_category_ids is not None:
                q &= Q(top_category_id__in=self.top_category_ids)
        elif self.category_ids is not None:
            q &= Q(category_id__in=self.category_ids)
        return q

    def appeal_q(self, prefix: str = "") -> Q:
        q = Q()
        if self.unit_ids is not None:
            q &= Q(**{f"{prefix}unit_id__in": self.unit_ids})
        if self.area_ids is not None:
            q &= Q(**{f"{prefix}area_id__in": self.area_ids})
        if self.category_ids is not None:
            q &= Q(**{f"{prefix}category_id__in": self.category_ids})
        return q


def area_slice(paths: Iterable[str]) -> Slice:
    """The slice of everything in these areas' subtrees (coarse when all are streets or above)."""
    paths = list(paths)
    area_ids = area_subtree_ids(paths)
    if any(len(p.split("/")) > 2 for p in paths):
        return Slice(area_ids=area_ids, areas_by_street=False)
    streets = directory.current().street_of
    return Slice(area_ids=area_ids, street_ids=frozenset(streets[a] for a in area_ids if a in streets))


EVERYTHING = Slice()


def area_subtree_ids(paths: Iterable[str]) -> frozenset[int]:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path=path) | Q(path__startswith=f"{path}/")
    return frozenset(Area.objects.filter(q).values_list("pk", flat=True))


@dataclass(frozen=True)
class Jurisdiction:
    """What a user may see on the supervision pages."""

    everything: bool = False
    area_paths: tuple[str, ...] = ()
    unit_ids: frozenset[int] = frozenset()

    @property
    def is_overseer(self) -> bool:
        return self.everything or bool(self.area_paths)

    def slice(self) -> Slice:
        if self.everything:
            return EVERYTHING
        return area_slice(self.area_paths)

    def unit_slice(self) -> Slice:
        return Slice(unit_ids=self.unit_ids)

    def covers_area(self, area: Area | None) -> bool:
        if self.everything:
            return True
        if area is None:
            return False
        return any(area.path == p or area.path.startswith(p + "/") for p in self.area_paths)


def jurisdiction_of(user: User | None) -> Jurisdiction:
    scope = scope_of(user)
    return Jurisdiction(
        everything=scope.has(Role.ADMIN),
        area_paths=scope.areas_for(Role.SUPERVISOR, Role.LEADER),
        unit_ids=scope.units_for(Role.HANDLER),
    )


def require_overseer(user: User | None) -> Jurisdiction:
    j = jurisdiction_of(user)
    if not j.is_overseer:
        raise Forbidden(_("督查考核页面仅对督查员、领导和管理员开放。如需查看本单位数据，请进入“本单位考核”。"))
    return j


def require_unit_member(user: User | None) -> Jurisdiction:
    j = jurisdiction_of(user)
    if not j.unit_ids:
        raise Forbidden(_("本单位考核页面仅对承办单位工作人员开放。"))
    return j


# --- figures ----------------------------------------------------------------------------------------


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass
class KpiFigures:
    """Counters for one slice and period, and the rates computed from them (fractions 0..1)."""

    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    false_closures: int = 0

    def __getattr__(self, name: str) -> int:
        counters = self.__dict__.get("counters", {})
        if name in counters:
            return counters[name]
        raise AttributeError(name)

    def add(self, other: dict[str, Any]) -> None:
        """Add a row of counters (other keys, e.g. the grouping columns, are ignored)."""
        counters = self.counters
        for name, value in other.items():
            if value and name in counters:
                counters[name] += int(value)

    @property
    def response_rate(self) -> float | None:
        return _rate(self.counters["accepted_on_time"], self.counters["accepted"])

    @property
    def resolution_rate(self) -> float | None:
        return _rate(self.counters["solved"], self.counters["solved_known"])

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.counters["satisfied"] + self.counters["basic"], self.counters["rated"])

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.counters["replied_on_time"], self.counters["replied"])

    @property
    def return_rate(self) -> float | None:
        return _rate(self.counters["returned"], self.counters["assigned"])

    @property
    def reopen_rate(self) -> float | None:
        return _rate(self.counters["reopened"], self.counters["closed"])

    @property
    def avg_accept_hours(self) -> float | None:
        c = self.counters
        return c["accept_seconds"] / c["accepted"] / 3600 if c["accepted"] else None

    @property
    def avg_close_hours(self) -> float | None:
        c = self.counters
        return c["close_seconds"] / c["closed"] / 3600 if c["closed"] else None

    RATES = (
        "response_rate",
        "resolution_rate",
        "satisfaction_rate",
        "on_time_rate",
        "return_rate",
        "reopen_rate",
        "avg_accept_hours",
        "avg_close_hours",
    )

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.counters)
        data["false_closures"] = self.false_closures
        for name in self.RATES:
            data[name] = getattr(self, name)
        return data


def _use_monthly(period: Period) -> bool:
    return period.whole_months


# The counters a figure needs, so that wide scans only sum what they use.
SCORE_FIELDS = (
    "received", "assigned", "accepted", "accepted_on_time", "solved", "solved_known",
    "satisfied", "basic", "rated", "overdue",
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
    (`_unitless_table`). Raises ValidationFailed otherwise."""
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
        raise ValidationFailed(
            _(
                "按日统计不提供“单位 × 社区、网格或小类”的组合：请选择整月或季度，"
                "或把区域放宽到街道（或全区）、分类放宽到大类。"
            ),
            field="period",
        )
    raise ValidationFailed(
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
    except ValidationFailed:
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
    from .rollups import MONTH_MARK

    months: set[dt.date] = set()
    for period in periods:
        months.update(Period(period.start.replace(day=1), period.end).months())
    names = [f"{MONTH_MARK}{m:%Y-%m}" for m in sorted(months)]
    marks = sorted(Watermark.objects.filter(name__in=names).values_list("name", "last_id", "updated_at"))
    schemes_state = {
        (s.pk, s.weight_response, s.weight_resolution, s.weight_satisfaction, s.deduction_per_overdue,
         s.deduction_per_false_closure)
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
        raise ValidationFailed(
            _("不支持的分组方式“{by}”，可选：{choices}。").format(by=by, choices="、".join(BREAKDOWNS)), field="by"
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
    names = {"unit": org.unit_names, "category": org.category_names, "top_category": org.category_names}.get(by)
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


def _active_schemes() -> list[AssessmentScheme]:
    return list(AssessmentScheme.objects.filter(active=True).order_by("-valid_from", "-pk"))


# The active schemes, newest first, kept in the process (reloaded when a scheme is saved or deleted;
# connected in SupervisionConfig.ready): rankings and the dashboard's stamp look them up per month.
active_schemes = ProcessMemo("supervision-schemes", _active_schemes)


def scheme_for(month: dt.date, *, fresh: bool = False) -> AssessmentScheme:
    """The active scheme in force for that month, or the built-in default (30/35/35).

    `fresh`: read the table now rather than the process's copy (which may lag a change made with
    `QuerySet.update` by up to five minutes)."""
    schemes = _active_schemes() if fresh else active_schemes.get()
    scheme = next((s for s in schemes if s.valid_from <= month), None)
    return scheme or AssessmentScheme(name=_("默认方案"), valid_from=dt.date(2000, 1, 1))


@dataclass
class Score:
    value: float | None
    base: float | None
    deductions: float


def score_of(figures: KpiFigures, scheme: AssessmentScheme) -> Score:
    """Weighted rates (weights renormalised over the rates that have a denominator) × 100, minus
    deductions per overdue appeal and per false closure."""
    parts = [
        (Decimal(scheme.weight_response), figures.response_rate),
        (Decimal(scheme.weight_resolution), figures.resolution_rate),
        (Decimal(scheme.weight_satisfaction), figures.satisfaction_rate),
    ]
    weight = sum((w for w, r in parts if r is not None), Decimal(0))
    deductions = float(
        Decimal(scheme.deduction_per_overdue) * figures.counters["overdue"]
        + Decimal(scheme.deduction_per_false_closure) * figures.false_closures
    )
    if not weight:
        return Score(None, None, deductions)
    base = float(sum((w * Decimal(str(r)) for w, r in parts if r is not None), Decimal(0)) / weight * 100)
    return Score(round(base - deductions, 2), round(base, 2), deductions)


@dataclass
class RankingRow:
    key: int
    label: str
    rank: int | None
    score: Score
    figures: KpiFigures
    previous_rank: int | None = None
    previous_score: float | None = None

    @property
    def rank_change(self) -> int | None:
        """Positive: moved up."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    @property
    def score_change(self) -> float | None:
        if self.score.value is None or self.previous_score is None:
            return None
        return round(self.score.value - self.previous_score, 2)


def _ranked(rows: list[BreakdownRow], scheme: AssessmentScheme) -> list[RankingRow]:
    scored = [RankingRow(r.key, r.label, None, score_of(r.figures, scheme), r.figures) for r in rows if r.key]
    scored.sort(key=lambda r: (r.score.value is None, -(r.score.value or 0), r.label))
    rank = 0
    last: float | None = None
    for position, row in enumerate(scored, start=1):
        if row.score.value is None:
            continue
        if row.score.value != last:
            rank, last = position, row.score.value
        row.rank = rank
    return scored


def rankings(month: Period, slc: Slice = EVERYTHING, *, by: str = "unit") -> list[RankingRow]:
    """Monthly ranking of units or streets with the rank and score change from the month before."""
    if month.kind != "month":
        raise ValidationFailed(_("排名按自然月计算，请选择一个月份，例如 2026-05。"), field="period")
    if by not in ("unit", "street"):
        raise ValidationFailed(_("排名对象只能是 unit（单位）或 street（街道）。"), field="by")
    current = _ranked(_with_false_closures(month, slc, by), scheme_for(month.start))
    prev_period = month.previous()
    before = {r.key: r for r in _ranked(_with_false_closures(prev_period, slc, by), scheme_for(prev_period.start))}
    for row in current:
        old = before.get(row.key)
        if old is not None:
            row.previous_rank, row.previous_score = old.rank, old.score.value
    return current


def _with_false_closures(period: Period, slc: Slice, by: str) -> list[BreakdownRow]:
    rows = breakdown(period, slc, by=by, fields=SCORE_FIELDS)
    if by == "street":
        mapping = directory.current().street_of
        counts = false_closure_counts(period, slc, by="area_id")
        per_street: dict[int, int] = defaultdict(int)
        for area_id, n in counts.items():
            per_street[mapping.get(area_id, 0)] += n
        for row in rows:
            row.figures.false_closures = per_street.get(row.key, 0)
    return rows


# --- drill-down -------------------------------------------------------------------------------------

# figure → (event types, extra filter on the event)
DRILLDOWN: dict[str, tuple[tuple[str, ...], Q]] = {
    "received": ((EventType.SUBMITTED,), Q()),
    "assigned": ((EventType.DISPATCHED, EventType.REDISPATCHED), Q()),
    "accepted": ((EventType.ACCEPTED,), Q()),
    "accepted_late": ((EventType.ACCEPTED,), Q(data__late=True)),
    "accept_overdue": ((EventType.ACCEPT_OVERDUE,), Q()),
    "returned": ((EventType.RETURNED,), Q()),
    "extended": ((EventType.EXTENSION_APPROVED,), Q()),
    "overdue": ((EventType.OVERDUE,), Q()),
    "replied": ((EventType.REPLIED,), Q()),
    "replied_late": ((EventType.REPLIED,), Q(data__late=True)),
    "rated": ((EventType.RATED,), Q()),
    "satisfied": ((EventType.RATED,), Q(data__satisfaction__in=["satisfied", "basic"])),
    "dissatisfied": ((EventType.RATED,), Q(data__satisfaction="dissatisfied")),
    "unsolved": ((EventType.RATED,), Q(data__solved=False)),
    "closed": ((EventType.RATED, EventType.CLOSED, EventType.ANSWERED_DIRECTLY), Q()),
    "reopened": ((EventType.REOPENED,), Q()),
    "merged": ((EventType.MERGED,), Q()),
    "withdrawn": ((EventType.WITHDRAWN,), Q()),
}
FIGURE_LABELS = {  # lazy: shown in the reader's language
    "received": gettext_lazy("受理量"),
    "assigned": gettext_lazy("派单量"),
    "accepted": gettext_lazy("签收件"),
    "accepted_late": gettext_lazy("超时签收件"),
    "accept_overdue": gettext_lazy("签收超时件"),
    "returned": gettext_lazy("退单件"),
    "extended": gettext_lazy("延期件"),
    "overdue": gettext_lazy("超期件"),
    "replied": gettext_lazy("答复件"),
    "replied_late": gettext_lazy("超期答复件"),
    "rated": gettext_lazy("已评价件"),
    "satisfied": gettext_lazy("满意件"),
    "dissatisfied": gettext_lazy("不满意件"),
    "unsolved": gettext_lazy("未解决件"),
    "closed": gettext_lazy("办结件"),
    "reopened": gettext_lazy("重办件"),
    "merged": gettext_lazy("并案件"),
    "withdrawn": gettext_lazy("撤回件"),
    "false_closures": gettext_lazy("虚假办结件"),
}


def events_behind(figure: str, period: Period, slc: Slice = EVERYTHING) -> QuerySet[AppealEvent]:
    if figure not in DRILLDOWN:
        raise ValidationFailed(
            _("未知指标“{figure}”，可选：{choices}。").format(figure=figure, choices="、".join(DRILLDOWN)),
            field="figure",
        )
    types, extra = DRILLDOWN[figure]
    start, end = period.bounds()
    qs = AppealEvent.objects.filter(type__in=types, at__gte=start, at__lt=end).filter(extra)
    if slc.unit_ids is not None:
        if figure == "received":
            qs = qs.none()
        else:
            qs = qs.filter(Q(unit_id__in=slc.unit_ids) | Q(unit__isnull=True, appeal__unit_id__in=slc.unit_ids))
    if slc.area_ids is not None:
        qs = qs.filter(appeal__area_id__in=slc.area_ids)
    if slc.category_ids is not None:
        qs = qs.filter(appeal__category_id__in=slc.category_ids)
    return qs


def appeals_behind(figure: str, period: Period, slc: Slice = EVERYTHING) -> QuerySet[Appeal]:
    """The appeals behind one figure of one slice and period (for drill-down pages and reports)."""
    if figure == "false_closures":
        start, end = period.bounds()
        fq = FollowUp.objects.filter(false_closure=True, done_at__gte=start, done_at__lt=end)
        if slc.unit_ids is not None:
            fq = fq.filter(unit_id__in=slc.unit_ids)
        return Appeal.objects.filter(pk__in=fq.values("appeal_id")).filter(
            slc.appeal_q() if slc.unit_ids is None else Slice(None, slc.area_ids, slc.category_ids).appeal_q()
        )
    return Appeal.objects.filter(pk__in=events_behind(figure, period, slc).values("appeal_id"))


# --- live lists ---------------------------------------------------------------------------------------


# What the supervision pages' appeal lists show (`_appeal_table.html`): loading only these halves
# the cost of a 50-row list (no appeal text, no area boundary).
APPEAL_LIST_FIELDS = (
    "pk", "tracking_number", "title", "status", "resolve_due_at", "submitted_at",
    "unit__name", "area__name", "category__name",
)


def overdue_appeals(slc: Slice = EVERYTHING) -> QuerySet[Appeal]:
    """Appeals being handled past their deadline, most overdue first (read through the partial
    index `supervision_open_due_idx`)."""
    return (
        Appeal.objects.filter(status__in=(Status.DISPATCHED, Status.ACCEPTED), overdue=True)
        .filter(slc.appeal_q())
        .select_related("unit", "area", "category")
        .only(*APPEAL_LIST_FIELDS)
        .order_by("resolve_due_at")
    )


def due_soon_appeals(slc: Slice = EVERYTHING, *, hours: int = 24, now: dt.datetime | None = None) -> QuerySet[Appeal]:
    now = now or dt.datetime.now(dt.UTC)
    return (
        Appeal.objects.filter(
            status__in=(Status.DISPATCHED, Status.ACCEPTED),
            overdue=False,
            resolve_due_at__gte=now,
            resolve_due_at__lt=now + dt.timedelta(hours=hours),
        )
        .filter(slc.appeal_q())
        .select_related("unit", "area", "category")
        .only(*APPEAL_LIST_FIELDS)
        .order_by("resolve_due_at")
    )


def warnings_visible(j: Jurisdiction, *, status: str = WarningStatus.OPEN) -> QuerySet[RaisedWarning]:
    qs = RaisedWarning.objects.select_related("rule", "appeal", "unit", "area", "category")
    if status:
        qs = qs.filter(status=status)
    if not j.everything:
        areas = area_subtree_ids(j.area_paths)
        qs = qs.filter(
            Q(appeal__area_id__in=areas) | Q(area_id__in=areas) | Q(unit__area_id__in=areas)
        )
    return qs


def orders_visible(user: User) -> QuerySet[SupervisionOrder]:
    j = jurisdiction_of(user)
    qs = SupervisionOrder.objects.select_related("unit", "appeal", "created_by")
    if j.everything:
        return qs
    q = Q(unit_id__in=j.unit_ids)
    if j.area_paths:
        areas = area_subtree_ids(j.area_paths)
        q |= Q(unit__area_id__in=areas) | Q(appeal__area_id__in=areas) | Q(created_by=user)
    return qs.filter(q)


def order_get_for_user(user: User, pk: int) -> SupervisionOrder:
    order = orders_visible(user).filter(pk=pk).first()
    if order is None:
        raise NotFound(_("没有找到该督办单。"))
    return order


def follow_ups_visible(j: Jurisdiction) -> QuerySet[FollowUp]:
    qs = FollowUp.objects.select_related("appeal", "unit", "done_by")
    if not j.everything:
        qs = qs.filter(appeal__area_id__in=area_subtree_ids(j.area_paths))
    return qs


def follow_up_queue(j: Jurisdiction) -> QuerySet[FollowUp]:
    return follow_ups_visible(j).filter(status=FollowUpStatus.PENDING).order_by("sampled_at", "pk")


# --- 每月一题 and hotspots -----------------------------------------------------------------------------


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
        Recurring(c, cats.get(c, unclassified), s, areas[s].name if s in areas else unlocated, n, before.get((c, s), 0))
        for (c, s), n in top
    ]


def surge_warnings(j: Jurisdiction) -> list[RaisedWarning]:
    """Current category surges, as last evaluated by the periodic refresh."""
    return list(warnings_visible(j).filter(rule__kind="category_surge").order_by("-value")[:20])


def text_hotspots(slc: Slice = EVERYTHING, *, now: dt.datetime | None = None, days: int = 14,
                  limit: int = 3000) -> list[dict[str, Any]] | None:
    """Clusters of similar recent appeals from the triage engine (`lianxin.triage.hotspots`), or
    None when that engine is not installed. Only the most recent `limit` appeals are clustered;
    results are cached for ten minutes per slice (clustering takes seconds, not milliseconds)."""
    from django.core.cache import cache

    key = "supervision:text-hotspots:" + hashlib.sha256(repr((slc, days, limit)).encode()).hexdigest()[:32]
    cached = cache.get(key)
    if cached is not None:
        return cached
    result = _text_hotspots(slc, now=now, days=days, limit=limit)
    if result is not None:
        cache.set(key, result, 600)
    return result


def _text_hotspots(slc: Slice, *, now: dt.datetime | None, days: int, limit: int) -> list[dict[str, Any]] | None:
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
        {"id": r["pk"], "title": r["title"], "text": r["text"], "time": r["submitted_at"], "area": r["area__path"]}
        for r in rows
    ]
    spots = find_hotspots(records, start=start, end=now, top=10)
    return [
        {"label": s.label, "size": s.size, "growth": s.growth, "places": s.places[:3], "ids": list(s.ids)[:20]}
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
    return {"geojson": {"type": "FeatureCollection", "features": features}, "values": values, "metric": metric}


# --- the bundle a periodic report asks for -----------------------------------------------------------


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
        "dissatisfied": list(appeals_behind("dissatisfied", period, slc).select_related("unit", "area")[:500]),
        "recurring": recurring_problems(period, slc),
    }
    if period.kind == "month":
        report["unit_ranking"] = rankings(period, slc, by="unit")
        report["street_ranking"] = rankings(period, slc, by="street")
    else:
        months = period.months()
        report["unit_ranking"] = rankings(Period.month(months[-1].year, months[-1].month), slc, by="unit")
        report["street_ranking"] = rankings(Period.month(months[-1].year, months[-1].month), slc, by="street")
    return report


WEAK_REPLY_THRESHOLD = 0.45


def weak_replies(j: Jurisdiction, *, threshold: float = WEAK_REPLY_THRESHOLD) -> QuerySet[AppealEvent]:
    """Replies that the triage engine scores as answering their appeal poorly (boilerplate,
    evasive or off the point), lowest first, within the user's jurisdiction."""
    events = AppealEvent.objects.filter(type="replied", data__reply_quality__overall__lt=threshold)
    if not j.everything:
        from lianxin.org.selectors import area_subtree_q

        events = events.filter(area_subtree_q(j.area_paths, prefix="appeal__area__path"))
    return events.select_related("appeal", "unit").order_by("data__reply_quality__overall", "-at")
