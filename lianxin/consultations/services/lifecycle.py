"""Writing and running a consultation: create, edit (paragraphs, phases, survey), publish, close,
archive and publish the decision. Each function is one atomic state change with its event row."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.errors import ForbiddenError, ValidationFailedError
from lianxin.core.tasks import enqueue_on_commit
from lianxin.org.models import Area, Unit, User

from .. import events
from ..models import (
    Audience,
    Consultation,
    ConsultationOrigin,
    Paragraph,
    Phase,
    PhaseType,
    Question,
    QuestionKind,
    Status,
)
from ..models.survey import OPTION_MAX, OPTIONS_MAX, QUESTION_MAX
from ..policy import Action, ensure_allowed, may_create
from ..tasks import tell_appellants

TITLE_MAX = 200
SUMMARY_MAX = 4000
PARAGRAPH_MAX = 8000
PARAGRAPHS_MAX = 200
PHASES_MAX = 10
QUESTIONS_MAX = 50
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}$")


@dataclass(frozen=True)
class ParagraphInput:
    text: str
    heading: str = ""


@dataclass(frozen=True)
class PhaseInput:
    type: str
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True)
class QuestionInput:
    text: str
    kind: str
    required: bool = False
    options: Sequence[str] = field(default_factory=tuple)


def _text(value: str, *, name: str, label: str, maximum: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailedError(_("请填写{label}。").format(label=label), field=name)
    if len(value) > maximum:
        raise ValidationFailedError(
            _("{label}最多 {n} 个字，请缩短。").format(label=label, n=maximum), field=name
        )
    return value


def _new_slug(title: str, slug: str | None) -> str:
    if slug:
        if not _SLUG_RE.match(slug) or slug in ("staff", "me"):
            raise ValidationFailedError(_("标识只能用小写字母、数字和连字符（2–79 个字符）。"), field="slug")
        if Consultation.objects.filter(slug=slug).exists():
            raise ValidationFailedError(_("标识“{slug}”已被使用，请换一个。").format(slug=slug), field="slug")
        return slug
    base = slugify(title)[:40].strip("-") or "consultation"
    return f"{base}-{secrets.token_hex(3)}"


@transaction.atomic
def consultation_create(
    *,
    actor: User,
    unit: Unit,
    title: str,
    summary: str = "",
    area: Area | None = None,
    audience: str = Audience.ANYONE,
    slug: str | None = None,
    proposal_threshold: int = 30,
) -> Consultation:
    if not may_create(actor, unit):
        raise ForbiddenError(_("只能为本单位创建征求意见。"))
    if audience not in Audience.values:
        raise ValidationFailedError(
            _("参与范围只能是：{v}。").format(v="、".join(Audience.values)), field="audience"
        )
    if not 1 <= proposal_threshold <= 100_000:
        raise ValidationFailedError(_("金点子支持数门槛应在 1 到 100000 之间。"), field="proposal_threshold")
    consultation = Consultation.objects.create(
        slug=_new_slug(title, slug),
        title=_text(title, name="title", label=_("标题"), maximum=TITLE_MAX),
        summary=_text(summary, name="summary", label=_("简介"), maximum=SUMMARY_MAX, required=False),
        unit=unit,
        area=area,
        audience=audience,
        proposal_threshold=proposal_threshold,
        created_by=actor,
    )
    events.record(consultation, events.Created(slug=consultation.slug), actor=actor)
    return consultation


@transaction.atomic
def consultation_update(
    *,
    actor: User,
    consultation: Consultation,
    title: str | None = None,
    summary: str | None = None,
    area: Area | None = None,
    audience: str | None = None,
    proposal_threshold: int | None = None,
) -> Consultation:
    ensure_allowed(actor, consultation, Action.EDIT)
    changed: list[str] = []
    if title is not None:
        consultation.title = _text(title, name="title", label=_("标题"), maximum=TITLE_MAX)
        changed.append("title")
    if summary is not None:
        consultation.summary = _text(
            summary, name="summary", label=_("简介"), maximum=SUMMARY_MAX, required=False
        )
        changed.append("summary")
    if area is not None:
        consultation.area = area
        changed.append("area")
    if audience is not None:
        if audience not in Audience.values:
            raise ValidationFailedError(
                _("参与范围只能是：{v}。").format(v="、".join(Audience.values)), field="audience"
            )
        consultation.audience = audience
        changed.append("audience")
    if proposal_threshold is not None:
        consultation.proposal_threshold = max(1, min(proposal_threshold, 100_000))
        changed.append("proposal_threshold")
    consultation.save()
    events.record(consultation, events.Edited(fields=tuple(changed)), actor=actor)
    return consultation


@transaction.atomic
def paragraphs_set(
    *, actor: User, consultation: Consultation, paragraphs: Sequence[ParagraphInput]
) -> list[Paragraph]:
    """Replace the draft's paragraphs, numbered 1, 2, 3… in the order given."""
    ensure_allowed(actor, consultation, Action.EDIT)
    if len(paragraphs) > PARAGRAPHS_MAX:
        raise ValidationFailedError(_("最多 {n} 个条款。").format(n=PARAGRAPHS_MAX), field="paragraphs")
    rows = [
        Paragraph(
            consultation=consultation,
            number=i,
            heading=_text(
                p.heading,
                name=f"paragraphs[{i - 1}].heading",
                label=_("条款标题"),
                maximum=200,
                required=False,
            ),
            text=_text(p.text, name=f"paragraphs[{i - 1}].text", label=_("条款内容"), maximum=PARAGRAPH_MAX),
        )
        for i, p in enumerate(paragraphs, start=1)
    ]
    consultation.paragraphs.all().delete()
    created = Paragraph.objects.bulk_create(rows)
    events.record(consultation, events.Edited(fields=("paragraphs",)), actor=actor)
    return created


@transaction.atomic
def phases_set(*, actor: User, consultation: Consultation, phases: Sequence[PhaseInput]) -> list[Phase]:
    """Replace the phases. They must not overlap; editable while draft or published (e.g. to extend)."""
    if consultation.status != Status.PUBLISHED:
        ensure_allowed(actor, consultation, Action.EDIT)
    else:
        ensure_allowed(actor, consultation, Action.CLOSE)
    if len(phases) > PHASES_MAX:
        raise ValidationFailedError(_("最多 {n} 个阶段。").format(n=PHASES_MAX), field="phases")
    ordered = sorted(phases, key=lambda p: p.starts_at)
    for i, phase in enumerate(ordered):
        if phase.type not in PhaseType.values:
            raise ValidationFailedError(
                _("阶段类型只能是：{v}。").format(v="、".join(PhaseType.values)), field="phases"
            )
        if phase.ends_at <= phase.starts_at:
            raise ValidationFailedError(_("阶段的结束时间应晚于开始时间。"), field="phases")
        if i and phase.starts_at < ordered[i - 1].ends_at:
            raise ValidationFailedError(_("阶段之间不能重叠。"), field="phases")
    consultation.phases.all().delete()
    created = Phase.objects.bulk_create(
        [
            Phase(consultation=consultation, type=p.type, starts_at=p.starts_at, ends_at=p.ends_at)
            for p in ordered
        ]
    )
    getattr(consultation, "_prefetched_objects_cache", {}).pop("phases", None)  # the caller's copy is stale
    events.record(consultation, events.Edited(fields=("phases",)), actor=actor)
    return created


def _question(q: QuestionInput, i: int) -> Question:
    name = f"questions[{i - 1}]"
    if q.kind not in QuestionKind.values:
        raise ValidationFailedError(
            _("题目类型只能是：{v}。").format(v="、".join(QuestionKind.values)), field=f"{name}.kind"
        )
    options = [_text(o, name=f"{name}.options", label=_("选项"), maximum=OPTION_MAX) for o in q.options]
    with_options = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING)
    if q.kind in with_options and not 2 <= len(options) <= OPTIONS_MAX:
        raise ValidationFailedError(
            _("选择题需要 2 到 {n} 个选项。").format(n=OPTIONS_MAX), field=f"{name}.options"
        )
    if q.kind not in with_options:
        options = []
    text = _text(q.text, name=f"{name}.text", label=_("题目"), maximum=QUESTION_MAX)
    return Question(number=i, text=text, kind=q.kind, required=q.required, options=options)


@transaction.atomic
def questions_set(
    *, actor: User, consultation: Consultation, questions: Sequence[QuestionInput]
) -> list[Question]:
    ensure_allowed(actor, consultation, Action.EDIT)
    if len(questions) > QUESTIONS_MAX:
        raise ValidationFailedError(_("问卷最多 {n} 道题。").format(n=QUESTIONS_MAX), field="questions")
    rows = [_question(q, i) for i, q in enumerate(questions, start=1)]
    for row in rows:
        row.consultation = consultation
    consultation.questions.all().delete()
    created = Question.objects.bulk_create(rows)
    events.record(consultation, events.Edited(fields=("questions",)), actor=actor)
    return created


def _transition(actor: User, consultation: Consultation, action: str, to: str) -> Consultation:
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    ensure_allowed(actor, consultation, action)
    before = consultation.status
    consultation.status = to
    now = timezone.now()
    if to == Status.PUBLISHED:
        consultation.published_at = now
    elif to == Status.CLOSED:
        consultation.closed_at = now
    consultation.save(update_fields=["status", "published_at", "closed_at"])
    payloads: dict[str, type[events.StatusChanged]] = {
        Status.PUBLISHED: events.Published,
        Status.CLOSED: events.Closed,
        Status.ARCHIVED: events.Archived,
    }
    payload = payloads[to]
    events.record(consultation, payload(from_status=before, to_status=to), actor=actor)
    audit_append(
        action=AuditAction.STATE_CHANGE,
        object_type="consultation",
        object_id=consultation.pk,
        actor=actor,
        data={"from": before, "to": to},
    )
    return consultation


@transaction.atomic
def consultation_publish(*, actor: User, consultation: Consultation) -> Consultation:
    if not consultation.paragraphs.exists() and not consultation.questions.exists():
        raise ValidationFailedError(_("发布前请至少添加一个条款或一道问卷题目。"), field="paragraphs")
    if not consultation.phases.exists():
        raise ValidationFailedError(_("发布前请设置阶段（至少一个征集意见阶段）。"), field="phases")
    published = _transition(actor, consultation, Action.PUBLISH, Status.PUBLISHED)
    _tell_appellants(published, "invite")  # opened from appeals: their residents are invited
    return published


@transaction.atomic
def consultation_close(*, actor: User, consultation: Consultation) -> Consultation:
    return _transition(actor, consultation, Action.CLOSE, Status.CLOSED)


@transaction.atomic
def consultation_archive(*, actor: User, consultation: Consultation) -> Consultation:
    return _transition(actor, consultation, Action.ARCHIVE, Status.ARCHIVED)


@transaction.atomic
def decision_publish(
    *, actor: User, consultation: Consultation, summary: str, final_texts: dict[int, tuple[str, str]]
) -> Consultation:
    """Publish the decision: `final_texts` maps a paragraph number to (final text, reason for the change).
    Paragraphs not named keep the draft text; a changed paragraph needs a reason."""
    ensure_allowed(actor, consultation, Action.PUBLISH_DECISION)
    summary = _text(summary, name="summary", label=_("决策说明"), maximum=8000)
    paragraphs = {p.number: p for p in consultation.paragraphs.all()}
    unknown = sorted(set(final_texts) - set(paragraphs))
    if unknown:
        raise ValidationFailedError(_("没有第 {n} 条。").format(n=unknown[0]), field="paragraphs")
    changed: list[int] = []
    for number, paragraph in paragraphs.items():
        text, reason = final_texts.get(number, (paragraph.text, ""))
        text = _text(text, name=f"paragraphs.{number}", label=_("最终条文"), maximum=PARAGRAPH_MAX)
        reason = _text(
            reason, name=f"paragraphs.{number}.reason", label=_("修改理由"), maximum=2000, required=False
        )
        if text != paragraph.text:
            if not reason:
                raise ValidationFailedError(
                    _("第 {n} 条有修改，请说明修改理由。").format(n=number),
                    field=f"paragraphs.{number}.reason",
                )
            changed.append(number)
        paragraph.final_text, paragraph.change_reason = text, reason
    Paragraph.objects.bulk_update(list(paragraphs.values()), ["final_text", "change_reason"])
    consultation.decision_summary = summary
    consultation.decision_published_at = timezone.now()
    consultation.save(update_fields=["decision_summary", "decision_published_at"])
    events.record(consultation, events.DecisionPublished(changed_paragraphs=tuple(changed)), actor=actor)
    audit_append(
        action=AuditAction.STATE_CHANGE,
        object_type="consultation",
        object_id=consultation.pk,
        actor=actor,
        data={"decision_published": changed},
    )
    _tell_appellants(consultation, "decision")  # the loop closed back to the residents who raised it
    return consultation


def _tell_appellants(consultation: Consultation, step: str) -> None:
    """After commit, in the background: the residents of a consultation opened from appeals
    (services/appellants.py). Nothing to do for a consultation without that origin."""
    if ConsultationOrigin.objects.filter(consultation=consultation).exists():
        enqueue_on_commit(tell_appellants, consultation.pk, step)
