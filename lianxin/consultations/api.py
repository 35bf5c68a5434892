"""Consultation endpoints (`/api/v1/consultations…`): read, take part, moderate, answer and decide.

Handlers only parse, authorise (selectors and the policy) and call the services. Residents use
their browser session; staff also an API token. Errors are the API's `{"error", "message", "field"}`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja import Status as HttpStatus

# The call form `Query(default, ...)` / `Path(...)`: `from ninja import Query` is typed only
# as `Query[Model]`.
from ninja.params.functions import Path

from lianxin.api.auth import PUBLIC_AUTH, caller
from lianxin.api.schemas import ErrorOut
from lianxin.core.errors import ForbiddenError, ValidationFailedError
from lianxin.core.ratelimit import check_rate
from lianxin.org.models import Area, Unit, User

from . import schemas as s
from . import selectors, services
from .models import Consultation, Feedback, Proposal, Visibility
from .phases import current_phase
from .policy import allowed_actions

router = Router(tags=["consultations"])
ERRORS: dict[int, Any] = dict.fromkeys((400, 401, 403, 404, 409, 429), ErrorOut)
Slug = Path(..., max_length=80, pattern=s.SLUG_PATTERN, description="The consultation's slug.")
ObjectId = Path(..., ge=1, le=s.ID_MAX)
WRITE_RATE = "60/m"


def _get(request: HttpRequest, slug: str) -> tuple[User | None, Consultation]:
    user = caller(request)
    return user, selectors.consultation_get(user, slug)


def _writer(request: HttpRequest, slug: str) -> tuple[User, Consultation]:
    user, consultation = _get(request, slug)
    if user is None:
        raise ForbiddenError(_("请先登录后再参与。"))
    check_rate(f"consult-write:{user.pk}", WRITE_RATE)
    return user, consultation


def _item(c: Consultation) -> dict[str, Any]:
    phase = current_phase(c)
    return {
        "slug": c.slug,
        "title": c.title,
        "summary": c.summary,
        "status": c.status,
        "unit": c.unit.name,
        "area": c.area.name if c.area else None,
        "audience": c.audience,
        "current_phase": phase.type if phase else None,
        "published_at": c.published_at,
    }


def _feedback(f: Feedback | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {"decision": f.decision, "label": f.get_decision_display(), "reason": f.reason, "at": f.updated_at}


def _comment(v: selectors.CommentView) -> dict[str, Any]:
    return {
        "id": v.id,
        "author": v.author,
        "text": v.text,
        "paragraph": v.paragraph,
        "created_at": v.created_at,
        "visibility": v.visibility,
        "hidden_reason": v.hidden_reason if v.mine else "",
        "feedback": _feedback(v.feedback),
        "replies": [_comment(r) for r in v.replies],
    }


def _proposal(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "author": p.participant.pseudonym,
        "title": p.title,
        "text": p.text,
        "support_count": p.support_count,
        "queued": p.queued_at is not None,
        "visibility": p.visibility,
        "feedback": _feedback(getattr(p, "feedback", None)),
    }


def _created(obj: Any) -> dict[str, Any]:
    held = obj.visibility == Visibility.PENDING
    return {
        "id": obj.pk,
        "visibility": obj.visibility,
        "message": _("已提交，审核通过后公开。") if held else _("已提交，感谢参与。"),
    }


@router.get(
    "/consultations",
    auth=PUBLIC_AUTH,
    response={200: s.ConsultationPage, **ERRORS},
    summary="List consultations",
)
def list_consultations(request: HttpRequest, filters: Query[s.ListFilters]) -> dict[str, Any]:
    """Published, closed and archived consultations (and the caller's own units' drafts), newest first."""
    qs = selectors.consultations_visible(caller(request)).prefetch_related("phases")
    if filters.status:
        qs = qs.filter(status=filters.status)
    start = (filters.page - 1) * filters.page_size
    return {
        "count": qs.count(),
        "page": filters.page,
        "results": [_item(c) for c in qs[start : start + filters.page_size]],
    }


@router.post(
    "/consultations",
    auth=PUBLIC_AUTH,
    response={201: s.ConsultationOut, **ERRORS},
    summary="Create a draft consultation (organising unit's staff)",
)
def create(request: HttpRequest, payload: s.ConsultationIn) -> HttpStatus[dict[str, Any]]:
    user = caller(request)
    if user is None:
        raise ForbiddenError(_("请先登录。"))
    unit = Unit.objects.filter(code=payload.unit).first()
    if unit is None:
        raise ValidationFailedError(_("没有编码为“{code}”的单位。").format(code=payload.unit), field="unit")
    area = Area.objects.filter(code=payload.area).first() if payload.area else None
    if payload.area and area is None:
        raise ValidationFailedError(_("没有编码为“{code}”的区域。").format(code=payload.area), field="area")
    with transaction.atomic():
        c = services.consultation_create(
            actor=user,
            unit=unit,
            title=payload.title,
            summary=payload.summary,
            area=area,
            audience=payload.audience,
            proposal_threshold=payload.proposal_threshold,
        )
        services.paragraphs_set(
            actor=user,
            consultation=c,
            paragraphs=[services.ParagraphInput(p.text, p.heading) for p in payload.paragraphs],
        )
        services.phases_set(
            actor=user,
            consultation=c,
            phases=[services.PhaseInput(p.type, p.starts_at, p.ends_at) for p in payload.phases],
        )
        services.questions_set(
            actor=user,
            consultation=c,
            questions=[
                services.QuestionInput(q.text, q.kind, q.required, q.options) for q in payload.questions
            ],
        )
    return HttpStatus(201, _detail(user, c))


def _detail(user: User | None, c: Consultation) -> dict[str, Any]:
    return {
        **_item(c),
        "proposal_threshold": c.proposal_threshold,
        "phases": [
            {"type": p.type, "label": p.get_type_display(), "starts_at": p.starts_at, "ends_at": p.ends_at}
            for p in c.phases.all()
        ],
        "paragraphs": [
            {
                "number": v.paragraph.number,
                "heading": v.paragraph.heading,
                "text": v.paragraph.text,
                "support": v.support,
                "oppose": v.oppose,
                "comments": v.comments,
            }
            for v in selectors.paragraphs_with_counts(c)
        ],
        "questions": [
            {"number": q.number, "text": q.text, "kind": q.kind, "required": q.required, "options": q.options}
            for q in c.questions.all()
        ],
        "allowed_actions": sorted(allowed_actions(user, c)),
    }


@router.get(
    "/consultations/{slug}",
    auth=PUBLIC_AUTH,
    response={200: s.ConsultationOut, **ERRORS},
    summary="One consultation: paragraphs with counts, phases, survey, what the caller may do",
)
def detail(request: HttpRequest, slug: str = Slug) -> dict[str, Any]:
    user, c = _get(request, slug)
    return _detail(user, c)


def _transition(request: HttpRequest, slug: str, service: Any) -> dict[str, Any]:
    user, c = _writer(request, slug)
    return _item(service(actor=user, consultation=c))


@router.post(
    "/consultations/{slug}/publish",
    auth=PUBLIC_AUTH,
    response={200: s.ConsultationItem, **ERRORS},
    summary="Publish a draft (organiser)",
)
def publish(request: HttpRequest, slug: str = Slug) -> dict[str, Any]:
    return _transition(request, slug, services.consultation_publish)


@router.post(
    "/consultations/{slug}/close",
    auth=PUBLIC_AUTH,
    response={200: s.ConsultationItem, **ERRORS},
    summary="Close a published consultation (organiser)",
)
def close(request: HttpRequest, slug: str = Slug) -> dict[str, Any]:
    return _transition(request, slug, services.consultation_close)


@router.post(
    "/consultations/{slug}/archive",
    auth=PUBLIC_AUTH,
    response={200: s.ConsultationItem, **ERRORS},
    summary="Archive a closed consultation (organiser)",
)
def archive(request: HttpRequest, slug: str = Slug) -> dict[str, Any]:
    return _transition(request, slug, services.consultation_archive)


@router.get(
    "/consultations/{slug}/comments",
    auth=PUBLIC_AUTH,
    response={200: list[s.CommentOut], **ERRORS},
    summary="Comment threads (pseudonyms only)",
)
def comments(request: HttpRequest, slug: str = Slug) -> list[dict[str, Any]]:
    user, c = _get(request, slug)
    return [_comment(v) for v in selectors.comment_threads(c, selectors.participant_of(c, user))]


@router.post(
    "/consultations/{slug}/comments",
    auth=PUBLIC_AUTH,
    response={201: s.CreatedOut, **ERRORS},
    summary="Comment on the draft or a paragraph, or reply",
)
def comment(request: HttpRequest, payload: s.CommentIn, slug: str = Slug) -> HttpStatus[dict[str, Any]]:
    user, c = _writer(request, slug)
    created = services.comment_add(
        actor=user,
        consultation=c,
        text=payload.text,
        paragraph_number=payload.paragraph,
        parent_id=payload.parent_id,
    )
    return HttpStatus(201, _created(created))


@router.post(
    "/consultations/{slug}/paragraphs/{number}/rating",
    auth=PUBLIC_AUTH,
    response={200: s.OkOut, **ERRORS},
    summary="Support or oppose a paragraph (one per person)",
)
def rate(
    request: HttpRequest, payload: s.RatingIn, slug: str = Slug, number: int = Path(..., ge=1, le=200)
) -> dict[str, Any]:
    user, c = _writer(request, slug)
    services.paragraph_rate(actor=user, consultation=c, paragraph_number=number, value=payload.value)
    return {"ok": True, "message": _("已记录您的态度。")}


@router.post(
    "/consultations/{slug}/survey",
    auth=PUBLIC_AUTH,
    response={201: s.OkOut, **ERRORS},
    summary="Answer the survey (once)",
)
def survey(request: HttpRequest, payload: s.SurveyIn, slug: str = Slug) -> HttpStatus[dict[str, Any]]:
    user, c = _writer(request, slug)
    kinds = dict(c.questions.values_list("number", "kind"))
    answers: dict[int, Any] = {}
    for a in payload.answers:
        if a.question in answers:
            raise ValidationFailedError(
                _("第 {n} 题重复作答。").format(n=a.question), field=f"answers.{a.question}"
            )
        kind = kinds.get(a.question)
        answers[a.question] = (
            a.text
            if kind == "text"
            else a.scale
            if kind == "scale"
            else a.choices[0]
            if kind == "single" and len(a.choices) == 1
            else a.choices
        )
    services.survey_answer(actor=user, consultation=c, answers=answers)
    return HttpStatus(201, {"ok": True, "message": _("问卷已提交，感谢参与。")})


@router.get(
    "/consultations/{slug}/statements/next",
    auth=PUBLIC_AUTH,
    response={200: s.StatementOut | None, **ERRORS},
    summary="The next statement for the caller to vote on (null when none is left)",
)
def next_statement(request: HttpRequest, slug: str = Slug) -> dict[str, Any] | None:
    user, c = _get(request, slug)
    st = selectors.next_statement(c, selectors.participant_of(c, user))
    return {"id": st.pk, "text": st.text} if st else None


@router.post(
    "/consultations/{slug}/statements",
    auth=PUBLIC_AUTH,
    response={201: s.CreatedOut, **ERRORS},
    summary="Write a statement (shown after moderation)",
)
def statement(request: HttpRequest, payload: s.StatementIn, slug: str = Slug) -> HttpStatus[dict[str, Any]]:
    user, c = _writer(request, slug)
    return HttpStatus(201, _created(services.statement_add(actor=user, consultation=c, text=payload.text)))


@router.post(
    "/consultations/{slug}/statements/{statement_id}/vote",
    auth=PUBLIC_AUTH,
    response={200: s.OkOut, **ERRORS},
    summary="Agree, disagree or pass on a statement",
)
def vote(
    request: HttpRequest, payload: s.VoteIn, slug: str = Slug, statement_id: int = ObjectId
) -> dict[str, Any]:
    user, c = _writer(request, slug)
    services.statement_vote(actor=user, consultation=c, statement_id=statement_id, value=payload.value)
    return {"ok": True, "message": _("已记录您的态度。")}


@router.get(
    "/consultations/{slug}/proposals",
    auth=PUBLIC_AUTH,
    response={200: list[s.ProposalOut], **ERRORS},
    summary="Proposals (金点子), most supported first",
)
def proposals(request: HttpRequest, slug: str = Slug) -> list[dict[str, Any]]:
    user, c = _get(request, slug)
    return [_proposal(p) for p in selectors.proposals_visible(c, selectors.participant_of(c, user))[:500]]


@router.post(
    "/consultations/{slug}/proposals",
    auth=PUBLIC_AUTH,
    response={201: s.CreatedOut, **ERRORS},
    summary="Submit a proposal",
)
def proposal(request: HttpRequest, payload: s.ProposalIn, slug: str = Slug) -> HttpStatus[dict[str, Any]]:
    user, c = _writer(request, slug)
    created = services.proposal_add(actor=user, consultation=c, title=payload.title, text=payload.text)
    return HttpStatus(201, _created(created))


@router.post(
    "/consultations/{slug}/proposals/{proposal_id}/support",
    auth=PUBLIC_AUTH,
    response={200: s.ProposalOut, **ERRORS},
    summary="Support a proposal (once)",
)
def support(request: HttpRequest, slug: str = Slug, proposal_id: int = ObjectId) -> dict[str, Any]:
    user, c = _writer(request, slug)
    return _proposal(services.proposal_support(actor=user, consultation=c, proposal_id=proposal_id))


@router.post(
    "/consultations/{slug}/reports",
    auth=PUBLIC_AUTH,
    response={201: s.OkOut, **ERRORS},
    summary="Report abuse",
)
def report(request: HttpRequest, payload: s.ReportIn, slug: str = Slug) -> HttpStatus[dict[str, Any]]:
    user, c = _writer(request, slug)
    services.content_report(
        actor=user, consultation=c, kind=payload.kind, object_id=payload.object_id, reason=payload.reason
    )
    return HttpStatus(201, {"ok": True, "message": _("举报已收到，我们会尽快处理。")})


@router.post(
    "/consultations/{slug}/moderation",
    auth=PUBLIC_AUTH,
    response={200: s.OkOut, **ERRORS},
    summary="Approve or hide a contribution (organiser; audited)",
)
def moderate(request: HttpRequest, payload: s.ModerateIn, slug: str = Slug) -> dict[str, Any]:
    user, c = _writer(request, slug)
    services.content_moderate(
        actor=user,
        consultation=c,
        kind=payload.kind,
        object_id=payload.object_id,
        visibility=payload.visibility,
        reason=payload.reason,
    )
    return {"ok": True, "message": _("已处理。")}


@router.post(
    "/consultations/{slug}/feedback",
    auth=PUBLIC_AUTH,
    response={200: s.FeedbackOut, **ERRORS},
    summary="Adoption feedback on an opinion or a proposal (organiser)",
)
def feedback(request: HttpRequest, payload: s.FeedbackIn, slug: str = Slug) -> dict[str, Any]:
    user, c = _writer(request, slug)
    f = services.feedback_give(
        actor=user,
        consultation=c,
        kind=payload.kind,
        object_id=payload.object_id,
        decision=payload.decision,
        reason=payload.reason,
    )
    out = _feedback(f)
    assert out is not None
    return out


@router.get(
    "/consultations/{slug}/results",
    auth=PUBLIC_AUTH,
    response={200: dict[str, Any], **ERRORS},
    summary="Counts, survey results, statement votes, opinion groups and feedback figures",
)
def results(request: HttpRequest, slug: str = Slug) -> dict[str, Any]:
    _user, c = _get(request, slug)
    return selectors.results(c)


@router.get(
    "/consultations/{slug}/decision",
    auth=PUBLIC_AUTH,
    response={200: s.DecisionOut, **ERRORS},
    summary="The published decision: paragraph by paragraph with its diff against the draft",
)
def decision(request: HttpRequest, slug: str = Slug) -> dict[str, Any]:
    _user, c = _get(request, slug)
    published = c.decision_published_at is not None
    return {
        "published": published,
        "summary": c.decision_summary,
        "paragraphs": selectors.decision_diff(c) if published else [],
        "feedback": selectors.feedback_figures(c),
    }


@router.post(
    "/consultations/{slug}/decision",
    auth=PUBLIC_AUTH,
    response={200: s.DecisionOut, **ERRORS},
    summary="Publish the decision (organiser): final text per paragraph, a reason for each change",
)
def decide(request: HttpRequest, payload: s.DecisionIn, slug: str = Slug) -> dict[str, Any]:
    user, c = _writer(request, slug)
    numbers = [p.number for p in payload.paragraphs]
    if len(set(numbers)) != len(numbers):
        raise ValidationFailedError(_("同一条款只能出现一次。"), field="paragraphs")
    services.decision_publish(
        actor=user,
        consultation=c,
        summary=payload.summary,
        final_texts={p.number: (p.text, p.reason) for p in payload.paragraphs},
    )
    return decision(request, slug)


@router.get(
    "/consultations/{slug}/budget",
    auth=PUBLIC_AUTH,
    response={200: s.BudgetOut, **ERRORS},
    summary="Participatory budget: projects, votes and the funded set (knapsack within the budget)",
)
def budget(request: HttpRequest, slug: str = Slug) -> dict[str, Any]:
    _user, c = _get(request, slug)
    return selectors.budget_result(c)


@router.post(
    "/consultations/{slug}/budget",
    auth=PUBLIC_AUTH,
    response={201: s.OkOut, **ERRORS},
    summary="Cast the participatory-budget ballot (once; within the budget)",
)
def budget_vote(
    request: HttpRequest, payload: s.BudgetVoteIn, slug: str = Slug
) -> HttpStatus[dict[str, Any]]:
    user, c = _writer(request, slug)
    services.budget_vote(actor=user, consultation=c, project_numbers=payload.projects)
    return HttpStatus(201, {"ok": True, "message": _("投票已提交，感谢参与。")})
