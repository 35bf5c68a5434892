"""Periods, slices of the district and users' jurisdictions: what every supervision read is asked for."""

from __future__ import annotations

import calendar as pycal
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailedError
from lianxin.org import directory
from lianxin.org.models import Area, Category, Unit
from lianxin.org.selectors import area_subtree_q, in_area_subtree
from lianxin.worktime import calendar

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
        raise ValidationFailedError(
            _(
                "统计周期格式不正确：请用 2026-05（月）、2026-Q2（季度）"
                "或 2026-05-01..2026-05-31（日期区间，最长两年）。"
            ),
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
            by_street = (
                by_street and part.areas_by_street and (self.area_ids is None or self.street_ids is not None)
            )
        if category is not None:
            cats = frozenset(
                Category.objects.filter(area_subtree_q([category.path], prefix="path")).values_list(
                    "pk", flat=True
                )
            )
            category_ids = cats if category_ids is None else category_ids & cats
            if category.parent_id is None and self.category_ids is None:
                top_ids = frozenset({category.pk})
            else:
                by_top = False
        return Slice(unit_ids, area_ids, category_ids, street_ids, top_ids, by_street, by_top)

    def rollup_q(
        self, *, coarse: bool = False, by_street: bool | None = None, by_top: bool | None = None
    ) -> Q:
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
    return frozenset(
        Area.objects.filter(area_subtree_q(list(paths), prefix="path")).values_list("pk", flat=True)
    )


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
        return in_area_subtree(area.path, self.area_paths)
