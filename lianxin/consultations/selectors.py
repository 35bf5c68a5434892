"""Reads: the consultations a user may see, paragraphs with their counts, comment threads, the next
statement to vote on, results, the decision's diff, feedback figures and the moderation queues.

Everything public names participants by pseudonym only."""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from lianxin.core.errors import NotFoundError
from lianxin.org.models import User

from .models import (
    AbuseReport,
    Adoption,
    AnalysisResult,
    Comment,
    Consultation,
    ConsultationAttachment,
    ConsultationOrigin,
    Feedback,
    OpinionSummary,
    Paragraph,
    Participant,
    Proposal,
    QuestionKind,
    Statement,
    StatementVote,
    Status,
    SurveyResponse,
    Visibility,
)
from .policy import Action, ensure_allowed, moderation_q, visible_q

NOT_FOUND = "没有找到该征求意见。"


def consultations_visible(user: User | None) -> QuerySet[Consultation]:
    return Consultation.objects.filter(visible_q(user)).select_related("unit", "area")


def consultations_public(status: str | None = None) -> QuerySet[Consultation]:
    qs = Consultation.objects.filter(status__in=(Status.PUBLISHED, Status.CLOSED, Status.ARCHIVED))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("unit", "area").prefetch_related("phases")


def consultation_get(user: User | None, slug: str) -> Consultation:
    """The consultation by slug, if `user` may see it (404 otherwise, the same for absent and draft)."""
    consultation = (
        Consultation.objects.select_related("unit", "area")
        .prefetch_related("phases")
        .filter(slug=slug)
        .first()
    )
    if consultation is None:
        raise NotFoundError(_(NOT_FOUND))
    ensure_allowed(user, consultation, Action.VIEW)
    return consultation


def participant_of(consultation: Consultation, user: User | None) -> Participant | None:
    if user is None or not user.is_authenticated:
        return None
    return Participant.objects.filter(consultation=consultation, user=user).first()


@dataclass
class ParagraphView:
    paragraph: Paragraph
    support: int = 0
    oppose: int = 0
    comments: int = 0
    mine: int = 0  # the viewer's own rating


def paragraphs_with_counts(
    consultation: Consultation, viewer: Participant | None = None
) -> list[ParagraphView]:
    rows = consultation.paragraphs.annotate(
        n_support=Count("ratings", filter=Q(ratings__value=1), distinct=True),
        n_oppose=Count("ratings", filter=Q(ratings__value=-1), distinct=True),
        n_comments=Count("comments", filter=Q(comments__visibility=Visibility.VISIBLE), distinct=True),
    )
    mine: dict[int, int] = {}
    if viewer is not None:
        mine = dict(viewer.ratings.values_list("paragraph_id", "value"))
    return [ParagraphView(p, p.n_support, p.n_oppose, p.n_comments, mine.get(p.pk, 0)) for p in rows]


@dataclass
class CommentView:
    id: int
    author: str  # pseudonym
    text: str
    paragraph: int | None
    created_at: Any
    visibility: str
    hidden_reason: str
    mine: bool
    feedback: Feedback | None = None
    replies: list[CommentView] = field(default_factory=list)


def comment_threads(consultation: Consultation, viewer: Participant | None = None) -> list[CommentView]:
    """Top-level comments with their replies: the visible ones, plus the viewer's own held or hidden
    ones (with the reason), oldest first."""
    q = Q(visibility=Visibility.VISIBLE)
    if viewer is not None:
        q |= Q(participant=viewer)
    rows = (
        Comment.objects.filter(consultation=consultation)
        .filter(q)
        .select_related("participant", "paragraph", "feedback")
        .order_by("created_at", "id")
    )
    views: dict[int, CommentView] = {}
    top: list[CommentView] = []
    for c in rows:
        view = CommentView(
            id=c.pk,
            author=c.participant.pseudonym,
            text=c.text,
            paragraph=c.paragraph.number if c.paragraph else None,
            created_at=c.created_at,
            visibility=c.visibility,
            hidden_reason=c.hidden_reason,
            mine=viewer is not None and c.participant_id == viewer.pk,
            feedback=getattr(c, "feedback", None),
        )
        views[c.pk] = view
        parent = views.get(c.parent_id) if c.parent_id else None
        if parent is not None:
            parent.replies.append(view)
        elif c.parent_id is None:
            top.append(view)
    return top


def proposals_visible(consultation: Consultation, viewer: Participant | None = None) -> QuerySet[Proposal]:
    q = Q(visibility=Visibility.VISIBLE)
    if viewer is not None:
        q |= Q(participant=viewer)
    return consultation.proposals.filter(q).select_related("participant", "feedback")


def next_statement(consultation: Consultation, viewer: Participant | None) -> Statement | None:
    """A visible statement the viewer has not voted on yet (the least-voted first, as Pol.is does)."""
    qs = consultation.statements.filter(visibility=Visibility.VISIBLE)
    if viewer is not None:
        qs = qs.exclude(votes__participant=viewer)
    return qs.annotate(n=Count("votes")).order_by("n", "id").first()


def statement_stats(consultation: Consultation) -> list[dict[str, Any]]:
    rows = (
        consultation.statements.filter(visibility=Visibility.VISIBLE)
        .annotate(
            agree=Count("votes", filter=Q(votes__value=1)),
            disagree=Count("votes", filter=Q(votes__value=-1)),
            passed=Count("votes", filter=Q(votes__value=0)),
        )
        .order_by("id")
    )
    return [
        {
            "id": s.pk,
            "external_id": s.external_id,
            "text": s.text,
            "agree": s.agree,
            "disagree": s.disagree,
            "pass": s.passed,
        }
        for s in rows
    ]


def survey_results(consultation: Consultation) -> list[dict[str, Any]]:
    """Per question: option counts (choice), the distribution and mean (scale), the answer count (text)."""
    out: list[dict[str, Any]] = []
    for q in consultation.questions.prefetch_related("answers"):
        answers = list(q.answers.all())
        item: dict[str, Any] = {"number": q.number, "text": q.text, "kind": q.kind, "answers": len(answers)}
        if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            counts = Counter(i for a in answers for i in a.choices)
            item["options"] = [{"label": o, "count": counts.get(i, 0)} for i, o in enumerate(q.options)]
        elif q.kind == QuestionKind.RANKING:
            item["options"] = _borda(q.options, [a.choices for a in answers])
        elif q.kind == QuestionKind.SCALE:
            scores = [a.scale for a in answers if a.scale is not None]
            item["distribution"] = [scores.count(v) for v in range(1, 6)]
            item["mean"] = round(sum(scores) / len(scores), 2) if scores else None
        out.append(item)
    return out


def _borda(options: list[str], rankings: list[list[int]]) -> list[dict[str, Any]]:
    """Borda count: in each ranking the first of n options gets n points, the next n-1, …; unranked 0.
    Options in descending score, with the number of first places."""
    n = len(options)
    score = [0] * n
    first = [0] * n
    for ranking in rankings:
        for position, index in enumerate(ranking):
            if 0 <= index < n:
                score[index] += n - position
        if ranking and 0 <= ranking[0] < n:
            first[ranking[0]] += 1
    rows = [{"label": o, "count": score[i], "first": first[i]} for i, o in enumerate(options)]
    return sorted(rows, key=lambda r: -r["count"])


def feedback_figures(consultation: Consultation) -> dict[str, Any]:
    """Opinions (top-level visible comments) and proposals received, answered and adopted, and the
    mean days from an opinion to its answer."""
    comments = consultation.comments.filter(parent__isnull=True, visibility=Visibility.VISIBLE)
    proposals = consultation.proposals.filter(visibility=Visibility.VISIBLE)
    received = comments.count() + proposals.count()
    feedback = list(Feedback.objects.filter(consultation=consultation).select_related("comment", "proposal"))
    adopted = sum(1 for f in feedback if f.decision in (Adoption.ADOPTED, Adoption.PARTLY))
    days = [
        (f.created_at - (f.comment or f.proposal).created_at).total_seconds() / 86400  # type: ignore[union-attr]
        for f in feedback
    ]
    by_decision = Counter(f.decision for f in feedback)
    return {
        "received": received,
        "answered": len(feedback),
        "adopted": adopted,
        "unanswered": max(received - len(feedback), 0),
        "by_decision": {d: by_decision.get(d, 0) for d in Adoption.values},
        "mean_answer_days": round(sum(days) / len(days), 1) if days else None,
    }


def results(consultation: Consultation) -> dict[str, Any]:
    analysis = AnalysisResult.objects.filter(consultation=consultation).first()
    return {
        "participants": consultation.participants.count(),
        "comments": consultation.comments.filter(visibility=Visibility.VISIBLE).count(),
        "proposals": consultation.proposals.filter(visibility=Visibility.VISIBLE).count(),
        "survey_responses": SurveyResponse.objects.filter(consultation=consultation).count(),
        "votes": StatementVote.objects.filter(statement__consultation=consultation).count(),
        "paragraphs": [
            {"number": v.paragraph.number, "support": v.support, "oppose": v.oppose, "comments": v.comments}
            for v in paragraphs_with_counts(consultation)
        ],
        "survey": survey_results(consultation),
        "statements": statement_stats(consultation),
        "groups": _public_groups(analysis),
        "feedback": feedback_figures(consultation),
        "budget": budget_result(consultation) if consultation.budget_total else None,
        "summaries": published_summaries(consultation),
    }


def attachments_of(consultation: Consultation) -> QuerySet[ConsultationAttachment]:
    """The draft's attachments: public with the consultation (the caller has checked it may be seen)."""
    return consultation.attachments.order_by("uploaded_at", "id")


def published_summaries(consultation: Consultation) -> list[dict[str, Any]]:
    """The organiser's published summary of the opinions, per paragraph (number None: the whole draft)."""
    rows = (
        OpinionSummary.objects.filter(consultation=consultation, published_at__isnull=False)
        .select_related("paragraph")
        .order_by(F("paragraph__number").asc(nulls_last=True), "id")
    )
    return [
        {
            "number": r.paragraph.number if r.paragraph else None,
            "heading": r.paragraph.heading if r.paragraph else "",
            "text": r.text,
            "sentiment": {
                k: r.figures.get("sentiment", {}).get(k, 0) for k in ("positive", "negative", "neutral")
            },
            "published_at": r.published_at,
        }
        for r in rows
    ]


def origin_public(consultation: Consultation) -> dict[str, Any] | None:
    """Where the consultation came from, as the public may see it: the kind, area, category and the
    appeal counts — no sample appeals (those are on the staff pages)."""
    origin = (
        ConsultationOrigin.objects.filter(consultation=consultation)
        .select_related("area", "category")
        .first()
    )
    if origin is None:
        return None
    ev = origin.evidence
    return {
        "kind": origin.kind,
        "label": origin.get_kind_display(),
        "area": origin.area.name if origin.area else None,
        "category": origin.category.name if origin.category else None,
        "appeals": ev.get("appeals", 0),
        "open": ev.get("open", 0),
        "first": ev.get("first"),
        "last": ev.get("last"),
    }


def _public_groups(analysis: AnalysisResult | None) -> dict[str, Any]:
    """The opinion groups with sizes, representative statements and the consensus, and the map
    points (coordinates and group only, no participant id)."""
    if analysis is None:
        return {"computed_at": None, "groups": [], "consensus": [], "points": []}
    data = analysis.data
    group_of = {p: g["id"] for g in data.get("groups", []) for p in g["participants"]}
    return {
        "computed_at": analysis.computed_at.isoformat(),
        "groups": [
            {
                "id": g["id"],
                "size": len(g["participants"]),
                "representative": data.get("representative", {}).get(str(g["id"]), []),
            }
            for g in data.get("groups", [])
        ],
        "consensus": data.get("consensus", []),
        "points": [[x, y, group_of.get(p, -1)] for p, (x, y) in data.get("projection", {}).items()],
    }


def decision_diff(consultation: Consultation) -> list[dict[str, Any]]:
    """Paragraph by paragraph: the draft, the final text, the reason and the change as segments
    `(op, text)` with op "same", "removed" or "added" (character-level, which suits Chinese)."""
    out = []
    for p in consultation.paragraphs.all():
        final = p.final_text or p.text
        matcher = difflib.SequenceMatcher(a=p.text, b=final, autojunk=False)
        segments: list[tuple[str, str]] = []
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                segments.append(("same", p.text[i1:i2]))
                continue
            if i2 > i1:
                segments.append(("removed", p.text[i1:i2]))
            if j2 > j1:
                segments.append(("added", final[j1:j2]))
        out.append(
            {
                "number": p.number,
                "heading": p.heading,
                "draft": p.text,
                "final": final,
                "changed": final != p.text,
                "reason": p.change_reason,
                "segments": segments,
            }
        )
    return out


def moderation_queue(user: User | None) -> dict[str, list[Any]]:
    """Held contributions and open reports in the consultations `user` moderates."""
    mine = Consultation.objects.filter(moderation_q(user)).exclude(status=Status.ARCHIVED)
    pending: dict[str, list[Any]] = defaultdict(list)
    for model, kind in ((Comment, "comment"), (Proposal, "proposal"), (Statement, "statement")):
        for obj in model.objects.filter(consultation__in=mine, visibility=Visibility.PENDING).select_related(
            "consultation"
        )[:200]:
            pending[kind].append(obj)
    pending["reports"] = list(
        AbuseReport.objects.filter(consultation__in=mine, resolved_at__isnull=True).select_related(
            "consultation"
        )[:200]
    )
    return dict(pending)


def review_queue(consultation: Consultation) -> QuerySet[Proposal]:
    """Proposals that reached the support threshold and have no feedback yet (CONSUL-style)."""
    return consultation.proposals.filter(queued_at__isnull=False, feedback__isnull=True).order_by("queued_at")


def feedback_queue(consultation: Consultation) -> QuerySet[Comment]:
    """Top-level visible opinions still without an answer, oldest first."""
    return (
        consultation.comments.filter(
            parent__isnull=True, visibility=Visibility.VISIBLE, feedback__isnull=True
        )
        .select_related("paragraph", "participant")
        .order_by("created_at")
    )


def budget_result(consultation: Consultation) -> dict[str, Any]:
    """Votes per project, the funded set (knapsack over votes within the budget) and what it costs."""
    from .budget import Item, knapsack

    projects = list(consultation.budget_projects.annotate(votes=Count("ballots")).order_by("number"))
    funded = set(knapsack([Item(p.number, p.cost, p.votes) for p in projects], consultation.budget_total))
    return {
        "total": consultation.budget_total,
        "ballots": consultation.budget_ballots.count(),
        "projects": [
            {
                "number": p.number,
                "title": p.title,
                "description": p.description,
                "cost": p.cost,
                "votes": p.votes,
                "funded": p.number in funded,
            }
            for p in projects
        ],
        "funded_cost": sum(p.cost for p in projects if p.number in funded),
    }
