"""Moderation: sensitive-word screening before publication, abuse reports, and the organiser
approving or hiding a contribution (with a reason its author sees). Every decision is audited."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.errors import ConflictError, NotFoundError, ValidationFailedError
from lianxin.org.models import User

from .. import events
from ..models import (
    AbuseReport,
    Comment,
    Consultation,
    ContentKind,
    Proposal,
    SensitiveWord,
    Statement,
    Visibility,
)
from ..models.contributions import REASON_MAX
from ..policy import Action, ensure_allowed

MODELS: dict[str, type[Comment] | type[Proposal] | type[Statement]] = {
    ContentKind.COMMENT: Comment,
    ContentKind.PROPOSAL: Proposal,
    ContentKind.STATEMENT: Statement,
}


def sensitive_hits(text: str) -> list[str]:
    """The configured sensitive words found in `text` (case-insensitive)."""
    lowered = text.lower()
    return [w for w in SensitiveWord.objects.values_list("word", flat=True) if w and w.lower() in lowered]


def screened_visibility(text: str) -> str:
    """Shown at once, or held for moderation when it contains a sensitive word."""
    return Visibility.PENDING if sensitive_hits(text) else Visibility.VISIBLE


def _content(consultation: Consultation, kind: str, object_id: int) -> Comment | Proposal | Statement:
    model = MODELS.get(kind)
    if model is None:
        raise ValidationFailedError(_("内容类型只能是：{v}。").format(v="、".join(MODELS)), field="kind")
    obj = model.objects.filter(consultation=consultation, pk=object_id).first()
    if obj is None:
        raise NotFoundError(_("没有找到该内容。"), field="object_id")
    return obj


@transaction.atomic
def content_report(
    *, actor: User, consultation: Consultation, kind: str, object_id: int, reason: str
) -> AbuseReport:
    ensure_allowed(actor, consultation, Action.REPORT)
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValidationFailedError(_("请写明举报理由（最多 {n} 字）。").format(n=REASON_MAX), field="reason")
    obj = _content(consultation, kind, object_id)
    if obj.visibility != Visibility.VISIBLE:
        raise NotFoundError(_("没有找到该内容。"), field="object_id")
    try:
        with transaction.atomic():
            report = AbuseReport.objects.create(
                consultation=consultation, kind=kind, object_id=object_id, reporter=actor, reason=reason
            )
    except IntegrityError:
        raise ConflictError(_("您已经举报过该内容，我们会尽快处理。"), code="already_reported") from None
    events.record(consultation, events.Reported(kind=kind, object_id=object_id), label="举报人")
    return report


@transaction.atomic
def content_moderate(
    *, actor: User, consultation: Consultation, kind: str, object_id: int, visibility: str, reason: str = ""
) -> Model:
    """Approve (visible) or hide a contribution; hiding needs a reason, shown to its author."""
    ensure_allowed(actor, consultation, Action.MODERATE)
    if visibility not in (Visibility.VISIBLE, Visibility.HIDDEN):
        raise ValidationFailedError(_("审核结果只能是公开（visible）或隐藏（hidden）。"), field="visibility")
    reason = (reason or "").strip()
    if visibility == Visibility.HIDDEN and not reason:
        raise ValidationFailedError(_("隐藏内容须写明理由，作者会看到这个理由。"), field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationFailedError(_("理由最多 {n} 字。").format(n=REASON_MAX), field="reason")
    obj = _content(consultation, kind, object_id)
    before = obj.visibility
    obj.visibility = visibility
    obj.hidden_reason = reason if visibility == Visibility.HIDDEN else ""
    obj.save(update_fields=["visibility", "hidden_reason"])
    AbuseReport.objects.filter(kind=kind, object_id=object_id, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )
    events.record(
        consultation,
        events.Moderated(kind=kind, object_id=object_id, visibility=visibility, reason=reason),
        actor=actor,
    )
    audit_append(
        action=AuditAction.STATE_CHANGE,
        object_type=f"consultation_{kind}",
        object_id=object_id,
        actor=actor,
        data={"consultation": consultation.slug, "from": before, "to": visibility, "reason": reason},
    )
    if kind == ContentKind.STATEMENT:
        from .analysis_queue import queue_analysis

        queue_analysis(consultation)
    return obj
