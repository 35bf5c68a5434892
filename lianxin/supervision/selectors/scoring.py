"""Assessment scores and rankings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailedError
from lianxin.org import directory

from ..indicators import indicator, unit_deductions
from ..models import AssessmentScheme
from .figures import KpiFigures
from .periods import EVERYTHING, Period, Slice
from .planner import SCORE_FIELDS, BreakdownRow, breakdown, false_closure_counts
from .schemes import indicator_weights_of, scheme_for


@dataclass
class Score:
    value: float | None
    base: float | None
    deductions: float
    indicators: dict[str, float | None] = field(default_factory=dict)  # the weighed indicators' values
    items: dict[str, int] = field(default_factory=dict)  # other apps' items counted against a unit


def score_of(
    figures: KpiFigures,
    scheme: AssessmentScheme,
    indicator_values: dict[str, float | None] | None = None,
    items: dict[str, int] | None = None,
) -> Score:
    """Weighted rates — and, for a street, the registered indicators the scheme weighs in — with
    the weights renormalised over the parts that have a value, × 100, minus deductions per overdue
    appeal, per false closure and per return the centre judged unjustified."""
    values = indicator_values or {}
    parts = [
        (Decimal(scheme.weight_response), figures.response_rate),
        (Decimal(scheme.weight_resolution), figures.resolution_rate),
        (Decimal(scheme.weight_satisfaction), figures.satisfaction_rate),
    ] + [
        (Decimal(w.weight), values.get(w.indicator_code))
        for w in indicator_weights_of(scheme)
        if w.indicator_code in values
    ]
    weight = sum((w for w, r in parts if r is not None), Decimal(0))
    counted = {code: n for code, n in (items or {}).items() if n}
    deductions = float(
        Decimal(scheme.deduction_per_overdue) * (figures.counters["overdue"] + sum(counted.values()))
        + Decimal(scheme.deduction_per_false_closure) * figures.false_closures
        + Decimal(scheme.deduction_per_unjustified_return) * figures.counters["returned_unjustified"]
    )
    if not weight:
        return Score(None, None, deductions, dict(values), counted)
    base = float(sum((w * Decimal(str(r)) for w, r in parts if r is not None), Decimal(0)) / weight * 100)
    return Score(round(base - deductions, 2), round(base, 2), deductions, dict(values), counted)


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


def street_indicator_values(
    scheme: AssessmentScheme, street_id: int, period: Period
) -> dict[str, float | None]:
    """The values, for one street over the period, of the share indicators the scheme weighs in
    (an indicator no longer registered, or not a share, is left out)."""
    area = directory.current().areas.get(street_id)
    if area is None:
        return {}
    out: dict[str, float | None] = {}
    for w in indicator_weights_of(scheme):
        found = indicator(w.indicator_code)
        if found is not None and found.kind == "share":
            out[found.code] = found.compute(
                (area.path,), period.start, period.end - dt.timedelta(days=1)
            )  # inclusive
    return out


def unit_items(period: Period) -> dict[str, dict[int, int]]:
    """Other apps' items counted against units over the period (code → unit id → count)."""
    last = period.end - dt.timedelta(days=1)
    return {d.code: d.compute(period.start, last) for d in unit_deductions()}


def _ranked(
    rows: list[BreakdownRow], scheme: AssessmentScheme, *, by: str = "unit", period: Period | None = None
) -> list[RankingRow]:
    def extra(key: int) -> dict[str, float | None] | None:
        return street_indicator_values(scheme, key, period) if by == "street" and period is not None else None

    against = unit_items(period) if by == "unit" and period is not None else {}

    def items(key: int) -> dict[str, int]:
        return {code: per_unit.get(key, 0) for code, per_unit in against.items()}

    scored = [
        RankingRow(r.key, r.label, None, score_of(r.figures, scheme, extra(r.key), items(r.key)), r.figures)
        for r in rows
        if r.key
    ]
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
    """Ranking of units or streets over a month or a quarter, with the rank and score change from
    the period before (a quarter ranks by the whole quarter, against the quarter before)."""
    if month.kind not in ("month", "quarter"):
        raise ValidationFailedError(
            _("排名按自然月或季度计算，请选择例如 2026-05 或 2026-Q2。"), field="period"
        )
    if by not in ("unit", "street"):
        raise ValidationFailedError(_("排名对象只能是 unit（单位）或 street（街道）。"), field="by")
    current = _ranked(_with_false_closures(month, slc, by), scheme_for(month.start), by=by, period=month)
    prev_period = month.previous()
    before = {
        r.key: r
        for r in _ranked(
            _with_false_closures(prev_period, slc, by),
            scheme_for(prev_period.start),
            by=by,
            period=prev_period,
        )
    }
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
