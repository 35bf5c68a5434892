"""Consultation indicators (issue 18), registered with supervision's indicator registry from `ready`.

A consultation belongs to the areas when the area it concerns is one of them or inside one; a
district-wide consultation (no area) counts only in the district-wide figures, so streets' figures
add up. Over the period:
- `consultations_opened`: consultations published (opened for opinions).
- `consultations_closed`: consultations closed.
- `consultation_comments`: opinions and replies received (hidden by moderation left out).
- `consultation_votes`: votes cast — support/oppose on paragraphs, agree/disagree/pass on
  statements (by their last change), supports of proposals and participatory-budget ballots.
- `consultation_feedback`: adoption feedback (采纳反馈) published, on opinions and proposals.
- `consultation_adoption_rate`: the share of that feedback adopting the opinion fully or partly.

Counted against the organising unit in its monthly score, like an overdue appeal
(`decisions_overdue`): a consultation whose decision was due in the period and was not published
by then. The decision is due at the end of the consultation's 决策公布 phase, or, without one,
`LIANXIN_CONSULTATION_DECISION_DAYS` (30) days after its last 征集意见 phase ends.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.org.selectors import area_subtree_q
from lianxin.supervision.indicators import day_bounds

from .models import (
    Adoption,
    BudgetBallot,
    Comment,
    Consultation,
    Feedback,
    ParagraphRating,
    PhaseType,
    ProposalSupport,
    StatementVote,
    Status,
    Visibility,
)


def _in(paths: tuple[str, ...] | None, prefix: str) -> Q:
    return Q() if paths is None else area_subtree_q(paths, f"{prefix}area__path")


def _during(field: str, start: dt.date, end: dt.date) -> Q:
    since, until = day_bounds(start, end)
    return Q(**{f"{field}__gte": since, f"{field}__lt": until})


def opened(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    return float(Consultation.objects.filter(_in(paths, ""), _during("published_at", start, end)).count())


def closed(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    return float(Consultation.objects.filter(_in(paths, ""), _during("closed_at", start, end)).count())


def comments(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    qs = Comment.objects.filter(_in(paths, "consultation__"), _during("created_at", start, end))
    return float(qs.exclude(visibility=Visibility.HIDDEN).count())


def votes(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    ratings = ParagraphRating.objects.filter(
        _in(paths, "paragraph__consultation__"), _during("updated_at", start, end)
    )
    statements = StatementVote.objects.filter(
        _in(paths, "statement__consultation__"), _during("updated_at", start, end)
    )
    supports = ProposalSupport.objects.filter(
        _in(paths, "proposal__consultation__"), _during("created_at", start, end)
    )
    ballots = BudgetBallot.objects.filter(_in(paths, "consultation__"), _during("submitted_at", start, end))
    return float(ratings.count() + statements.count() + supports.count() + ballots.count())


def _feedback(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> QuerySet[Feedback]:
    return Feedback.objects.filter(_in(paths, "consultation__"), _during("created_at", start, end))


def feedback(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    return float(_feedback(paths, start, end).count())


def adoption_rate(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    qs = _feedback(paths, start, end)
    total = qs.count()
    return (
        round(qs.filter(decision__in=(Adoption.ADOPTED, Adoption.PARTLY)).count() / total, 4)
        if total
        else None
    )


def decisions_overdue(start: dt.date, end: dt.date) -> dict[int, int]:
    """Per organising unit: consultations whose decision fell due on a day start..end (and before
    now) without having been published by then."""
    now = timezone.now()
    days = int(settings.LIANXIN.get("CONSULTATION_DECISION_DAYS", 30))
    rows = (
        Consultation.objects.exclude(status=Status.DRAFT)
        .annotate(
            decision_end=Max("phases__ends_at", filter=Q(phases__type=PhaseType.DECISION)),
            collecting_end=Max("phases__ends_at", filter=Q(phases__type=PhaseType.COLLECTING)),
        )
        .values_list("unit_id", "decision_end", "collecting_end", "decision_published_at")
    )
    counts: dict[int, int] = {}
    for unit_id, decision_end, collecting_end, published_at in rows:
        due = decision_end or (collecting_end + dt.timedelta(days=days) if collecting_end else None)
        if due is None or due > now or not start <= timezone.localdate(due) <= end:
            continue
        if published_at is None or published_at > due:
            counts[unit_id] = counts.get(unit_id, 0) + 1
    return counts


def register() -> None:
    from lianxin.supervision.indicators import (
        Indicator,
        Section,
        UnitDeduction,
        register_indicator,
        register_section,
        register_unit_deduction,
    )

    register_unit_deduction(
        UnitDeduction(
            "consultation_decisions_overdue",
            _("征求意见决策逾期未公布"),
            decisions_overdue,
            source="consultations",
        )
    )
    register_section(Section("consultations", _("民主决策 · 征求意见"), order=40))
    for code, label, kind, fn in (
        ("consultations_opened", _("发起征求意见数"), "count", opened),
        ("consultations_closed", _("结束征求意见数"), "count", closed),
        ("consultation_comments", _("收到意见数"), "count", comments),
        ("consultation_votes", _("表态与投票数"), "count", votes),
        ("consultation_feedback", _("公布采纳反馈数"), "count", feedback),
        ("consultation_adoption_rate", _("意见采纳率（含部分采纳）"), "share", adoption_rate),
    ):
        register_indicator(Indicator(code, label, kind, fn, source="consultations"))
