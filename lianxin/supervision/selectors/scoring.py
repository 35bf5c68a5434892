"""Assessment scores and rankings."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailed
from lianxin.org import directory

from ..models import AssessmentScheme
from .figures import KpiFigures
from .periods import EVERYTHING, Period, Slice
from .planner import SCORE_FIELDS, BreakdownRow, breakdown, false_closure_counts
from .schemes import scheme_for


@dataclass
class Score:
    value: float | None
    base: float | None
    deductions: float


def score_of(figures: KpiFigures, scheme: AssessmentScheme) -> Score:
    """Weighted rates (weights renormalised over the rates that have a denominator) × 100, minus
    deductions per overdue appeal, per false closure and per return the centre judged unjustified."""
    parts = [
        (Decimal(scheme.weight_response), figures.response_rate),
        (Decimal(scheme.weight_resolution), figures.resolution_rate),
        (Decimal(scheme.weight_satisfaction), figures.satisfaction_rate),
    ]
    weight = sum((w for w, r in parts if r is not None), Decimal(0))
    deductions = float(
        Decimal(scheme.deduction_per_overdue) * figures.counters["overdue"]
        + Decimal(scheme.deduction_per_false_closure) * figures.false_closures
        + Decimal(scheme.deduction_per_unjustified_return) * figures.counters["returned_unjustified"]
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

