"""Residents taking part: comments and replies, support/oppose a paragraph, the survey, statements
and their votes, proposals (金点子) and their support. Each checks the policy first."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import ConflictError, NotFoundError, ValidationFailedError
from lianxin.org.models import User

from .. import events
from ..models import (
    Answer,
    Comment,
    Consultation,
    Paragraph,
    ParagraphRating,
    Participant,
    Proposal,
    ProposalSupport,
    QuestionKind,
    Statement,
    StatementVote,
    SurveyResponse,
    Visibility,
)
from ..models.contributions import COMMENT_MAX, PROPOSAL_TEXT_MAX, PROPOSAL_TITLE_MAX, STATEMENT_MAX
from ..models.survey import ANSWER_TEXT_MAX, SCALE_MAX, SCALE_MIN
from ..policy import Action, ensure_allowed
from .analysis_queue import queue_analysis
from .lifecycle import _text
from .moderation import screened_visibility


def participant_for(*, consultation: Consultation, user: User) -> Participant:
    """The user's pseudonymous participant in this consultation, created on first contribution."""
    existing = Participant.objects.filter(consultation=consultation, user=user).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Participant.objects.create(
                consultation=consultation, user=user, pseudonym=f"参与者{secrets.token_hex(3).upper()}"
            )
    except IntegrityError:  # created concurrently
        return Participant.objects.get(consultation=consultation, user=user)


def _contributed(consultation: Consultation, participant: Participant, kind: str, object_id: int) -> None:
    events.record(
        consultation,
        events.Contributed(kind=kind, object_id=object_id, participant=participant.pseudonym),
        label=participant.pseudonym,
    )


@transaction.atomic
def comment_add(
    *,
    actor: User,
    consultation: Consultation,
    text: str,
    paragraph_number: int | None = None,
    parent_id: int | None = None,
) -> Comment:
    """An opinion on the draft or one paragraph, or a reply to a visible
    comment (replies inherit its paragraph)."""
    ensure_allowed(actor, consultation, Action.COMMENT)
    text = _text(text, name="text", label=_("意见内容"), maximum=COMMENT_MAX)
    paragraph: Paragraph | None = None
    parent: Comment | None = None
    if parent_id is not None:
        parent = Comment.objects.filter(
            consultation=consultation, pk=parent_id, visibility=Visibility.VISIBLE
        ).first()
        if parent is None:
            raise NotFoundError(_("要回复的意见不存在或未公开。"), field="parent_id")
        paragraph = parent.paragraph
    elif paragraph_number is not None:
        paragraph = consultation.paragraphs.filter(number=paragraph_number).first()
        if paragraph is None:
            raise NotFoundError(_("没有第 {n} 条。").format(n=paragraph_number), field="paragraph")
    participant = participant_for(consultation=consultation, user=actor)
    comment = Comment.objects.create(
        consultation=consultation,
        paragraph=paragraph,
        parent=parent,
        participant=participant,
        text=text,
        visibility=screened_visibility(text),
    )
    _contributed(consultation, participant, "comment", comment.pk)
    return comment


@transaction.atomic
def paragraph_rate(
    *, actor: User, consultation: Consultation, paragraph_number: int, value: int
) -> ParagraphRating:
    """Support (+1) or oppose (-1) a paragraph; one opinion per person, a second call changes it."""
    ensure_allowed(actor, consultation, Action.RATE)
    if value not in (1, -1):
        raise ValidationFailedError(_("只能表态支持（1）或反对（-1）。"), field="value")
    paragraph = consultation.paragraphs.filter(number=paragraph_number).first()
    if paragraph is None:
        raise NotFoundError(_("没有第 {n} 条。").format(n=paragraph_number), field="paragraph")
    participant = participant_for(consultation=consultation, user=actor)
    rating, _created = ParagraphRating.objects.update_or_create(
        paragraph=paragraph, participant=participant, defaults={"value": value}
    )
    _contributed(consultation, participant, "rating", rating.pk)
    return rating


def _answer(question: Any, raw: Any) -> Answer | None:
    """One validated answer, or None for an unanswered optional question."""
    field = f"answers.{question.number}"
    empty = raw is None or raw in ("", [])
    if empty:
        if question.required:
            raise ValidationFailedError(_("第 {n} 题为必答题。").format(n=question.number), field=field)
        return None
    if question.kind == QuestionKind.TEXT:
        if not isinstance(raw, str):
            raise ValidationFailedError(_("第 {n} 题请填写文字。").format(n=question.number), field=field)
        return Answer(
            question=question, text=_text(raw, name=field, label=_("回答"), maximum=ANSWER_TEXT_MAX)
        )
    if question.kind == QuestionKind.SCALE:
        if not isinstance(raw, int) or isinstance(raw, bool) or not SCALE_MIN <= raw <= SCALE_MAX:
            raise ValidationFailedError(_("第 {n} 题请打 1 到 5 分。").format(n=question.number), field=field)
        return Answer(question=question, scale=raw)
    choices = raw if isinstance(raw, list) else [raw]
    n = len(question.options)
    if not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c < n for c in choices):
        raise ValidationFailedError(
            _("第 {n} 题的选项编号应在 0 到 {m} 之间。").format(n=question.number, m=n - 1), field=field
        )
    if len(set(choices)) != len(choices) or (question.kind == QuestionKind.SINGLE and len(choices) != 1):
        raise ValidationFailedError(
            _("第 {n} 题请选择一项（多选题每项只选一次）。").format(n=question.number), field=field
        )
    if question.kind == QuestionKind.RANKING:
        return Answer(question=question, choices=list(choices))  # in order of preference; may be partial
    return Answer(question=question, choices=sorted(choices))


@transaction.atomic
def survey_answer(*, actor: User, consultation: Consultation, answers: Mapping[int, Any]) -> SurveyResponse:
    """Answer the survey once. `answers` maps a question number to an option index (single), a list of
    indexes (multiple), 1–5 (scale) or text. Nothing is saved unless every answer is valid."""
    ensure_allowed(actor, consultation, Action.ANSWER_SURVEY)
    questions = list(consultation.questions.all())
    if not questions:
        raise NotFoundError(_("本次征求意见没有问卷。"))
    unknown = sorted(set(answers) - {q.number for q in questions})
    if unknown:
        raise ValidationFailedError(_("没有第 {n} 题。").format(n=unknown[0]), field=f"answers.{unknown[0]}")
    rows = [a for q in questions if (a := _answer(q, answers.get(q.number))) is not None]
    participant = participant_for(consultation=consultation, user=actor)
    if SurveyResponse.objects.filter(consultation=consultation, participant=participant).exists():
        raise ConflictError(_("您已经填写过本问卷，每人只能填写一次。"), code="already_answered")
    response = SurveyResponse.objects.create(consultation=consultation, participant=participant)
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    _contributed(consultation, participant, "survey", response.pk)
    return response


@transaction.atomic
def statement_add(*, actor: User, consultation: Consultation, text: str) -> Statement:
    """A statement for others to vote on; it waits for moderation before anyone sees it."""
    ensure_allowed(actor, consultation, Action.ADD_STATEMENT)
    text = _text(text, name="text", label=_("观点"), maximum=STATEMENT_MAX)
    participant = participant_for(consultation=consultation, user=actor)
    if Statement.objects.filter(consultation=consultation, text=text).exists():
        raise ConflictError(_("已经有相同的观点了，请直接对它表态。"), code="duplicate")
    statement = Statement.objects.create(consultation=consultation, participant=participant, text=text)
    _contributed(consultation, participant, "statement", statement.pk)
    return statement


@transaction.atomic
def statement_vote(
    *, actor: User, consultation: Consultation, statement_id: int, value: int
) -> StatementVote:
    """Agree (1), disagree (-1) or pass (0) on a visible statement; voting again changes the vote."""
    ensure_allowed(actor, consultation, Action.VOTE)
    if value not in (1, 0, -1):
        raise ValidationFailedError(_("表态只能是同意（1）、跳过（0）或不同意（-1）。"), field="value")
    statement = Statement.objects.filter(
        consultation=consultation, pk=statement_id, visibility=Visibility.VISIBLE
    ).first()
    if statement is None:
        raise NotFoundError(_("该观点不存在或尚未公开。"), field="statement_id")
    participant = participant_for(consultation=consultation, user=actor)
    vote, _created = StatementVote.objects.update_or_create(
        statement=statement, participant=participant, defaults={"value": value}
    )
    queue_analysis(consultation)
    return vote


@transaction.atomic
def proposal_add(*, actor: User, consultation: Consultation, title: str, text: str) -> Proposal:
    ensure_allowed(actor, consultation, Action.ADD_PROPOSAL)
    title = _text(title, name="title", label=_("金点子标题"), maximum=PROPOSAL_TITLE_MAX)
    text = _text(text, name="text", label=_("金点子内容"), maximum=PROPOSAL_TEXT_MAX)
    participant = participant_for(consultation=consultation, user=actor)
    proposal = Proposal.objects.create(
        consultation=consultation,
        participant=participant,
        title=title,
        text=text,
        visibility=screened_visibility(f"{title}\n{text}"),
    )
    _contributed(consultation, participant, "proposal", proposal.pk)
    return proposal


@transaction.atomic
def proposal_support(*, actor: User, consultation: Consultation, proposal_id: int) -> Proposal:
    """Support a visible proposal once; the support that reaches the threshold queues it for review."""
    ensure_allowed(actor, consultation, Action.SUPPORT_PROPOSAL)
    proposal = (
        Proposal.objects.select_for_update()
        .filter(consultation=consultation, pk=proposal_id, visibility=Visibility.VISIBLE)
        .first()
    )
    if proposal is None:
        raise NotFoundError(_("该金点子不存在或未公开。"), field="proposal_id")
    participant = participant_for(consultation=consultation, user=actor)
    if proposal.participant_id == participant.pk:
        raise ConflictError(_("不能支持自己提交的金点子。"), code="own_proposal")
    _support, created = ProposalSupport.objects.get_or_create(proposal=proposal, participant=participant)
    if not created:
        raise ConflictError(_("您已经支持过这个金点子。"), code="already_supported")
    Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + 1)
    proposal.refresh_from_db()
    if proposal.queued_at is None and proposal.support_count >= consultation.proposal_threshold:
        proposal.queued_at = timezone.now()
        proposal.save(update_fields=["queued_at"])
        events.record(
            consultation, events.ProposalQueued(proposal_id=proposal.pk, supports=proposal.support_count)
        )
    return proposal
