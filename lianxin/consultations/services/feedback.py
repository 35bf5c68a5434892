"""Adoption feedback (采纳反馈): the organiser's public answer to each opinion and proposal."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.errors import NotFoundError, ValidationFailedError
from lianxin.notifications.services import notify_users
from lianxin.org.models import User

from .. import events
from ..models import Adoption, Comment, Consultation, ContentKind, Feedback, Proposal
from ..models.contributions import REASON_MAX
from ..policy import Action, ensure_allowed


@transaction.atomic
def feedback_give(
    *, actor: User, consultation: Consultation, kind: str, object_id: int, decision: str, reason: str = ""
) -> Feedback:
    """Record (or change) the decision on one opinion or proposal; "not adopted" needs a public reason.
    The author is notified (in-app), by their account, never named in public."""
    ensure_allowed(actor, consultation, Action.GIVE_FEEDBACK)
    if decision not in Adoption.values:
        raise ValidationFailedError(
            _("采纳情况只能是：{v}。").format(v="、".join(Adoption.values)), field="decision"
        )
    reason = (reason or "").strip()
    if decision == Adoption.NOT_ADOPTED and not reason:
        raise ValidationFailedError(_("“未采纳”须写明理由，理由会公开。"), field="reason")
    if len(reason) > REASON_MAX * 2:
        raise ValidationFailedError(_("理由最多 {n} 字。").format(n=REASON_MAX * 2), field="reason")
    target: Comment | Proposal | None
    lookup: dict[str, Any]
    if kind == ContentKind.COMMENT:
        target = Comment.objects.filter(consultation=consultation, pk=object_id, parent__isnull=True).first()
        lookup = {"comment": target}
    elif kind == ContentKind.PROPOSAL:
        target = Proposal.objects.filter(consultation=consultation, pk=object_id).first()
        lookup = {"proposal": target}
    else:
        raise ValidationFailedError(_("只能对意见（comment）或金点子（proposal）反馈。"), field="kind")
    if target is None:
        raise NotFoundError(_("没有找到该意见或金点子（回复不单独反馈）。"), field="object_id")
    feedback, _created = Feedback.objects.update_or_create(
        **lookup,
        defaults={"consultation": consultation, "decision": decision, "reason": reason, "actor": actor},
    )
    events.record(
        consultation, events.FeedbackGiven(kind=kind, object_id=object_id, decision=decision), actor=actor
    )
    audit_append(
        action=AuditAction.STATE_CHANGE,
        object_type=f"consultation_{kind}",
        object_id=object_id,
        actor=actor,
        data={"consultation": consultation.slug, "feedback": decision},
    )
    author = target.participant.user_id
    if author is not None:
        notify_users(
            user_ids=[author],
            title=_("您的意见有了答复：{t}").format(t=consultation.title),
            body=str(Adoption(decision).label),
            link=f"/consultations/{consultation.slug}/decision/",
            kind="consultation_feedback",
        )
    return feedback
