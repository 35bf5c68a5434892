"""Chasing (催办) and supplementing (补充) an open appeal: a repeat call or message about it is
recorded on it — and notifies whoever holds it — instead of becoming a new case (issue 16)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import ForbiddenError, TransitionNotAllowedError, ValidationFailedError
from lianxin.notifications.services import notify_users

from .. import events
from ..actors import Actor
from ..models import Appeal, AppealEvent, EventType
from ..policy import Action, ensure_allowed, may_chase_kind
from .base import _locked, record_event
from .recipients import _dispatcher_ids, _staff_link, _unit_staff_ids
from .validation import _clean_note

CHASE = "chase"  # 催办: the resident asks again, the unit is reminded
SUPPLEMENT = "supplement"  # 补充: the resident adds information
CHASE_KINDS = (CHASE, SUPPLEMENT)


def chase_kind_label(kind: str) -> str:
    return _("催办") if kind == CHASE else _("补充")


@transaction.atomic
def appeal_chase(*, appeal: Appeal | int, actor: Actor, kind: str, note: str) -> AppealEvent:
    """Record a chase (催办) or a supplement (补充) on an open appeal, with the caller's words, and
    notify the unit's handlers (the dispatchers while it has no unit). The status does not change."""
    appeal = _locked(appeal)
    if not appeal.is_open:
        raise TransitionNotAllowedError(
            _(
                "诉求 {tracking_number} 的状态为“{status}”，不能再催办或补充；"
                "如问题仍未解决，请申请重办或登记新的诉求。"
            ).format(tracking_number=appeal.tracking_number, status=appeal.get_status_display())
        )
    ensure_allowed(actor, appeal, Action.CHASE)
    if kind not in CHASE_KINDS:
        raise ValidationFailedError(_("请选择“催办”（chase）或“补充”（supplement）。"), field="kind")
    if not may_chase_kind(actor, appeal, kind):  # ensure_allowed checked the rest, once
        raise ForbiddenError(_("您可以补充说明自己的诉求；催办请拨打热线，由接线员登记。"), code="forbidden")
    note = _clean_note(note, required=True, what=_("催办或补充的内容"))
    event = record_event(
        appeal,
        events.Chased(kind=kind),
        actor,
        from_status=appeal.status,
        to_status=appeal.status,
        note=note,
        unit=appeal.unit,
        public=False,  # the caller's words may name people; the staff timeline shows them
    )
    Appeal.objects.filter(pk=appeal.pk).update(chase_count=F("chase_count") + 1, updated_at=timezone.now())
    appeal.chase_count += 1
    recipients = _unit_staff_ids(appeal.unit) if appeal.unit_id else _dispatcher_ids(appeal)
    title = _("群众{kind}：{tracking_number}").format(
        kind=chase_kind_label(kind), tracking_number=appeal.tracking_number
    )
    notify_users(user_ids=recipients, title=title, body=note[:200], link=_staff_link(appeal), kind="chased")
    return event


def chase_count(appeal: Appeal) -> int:
    """How many times the appeal was chased or supplemented (the case page's "催办 N 次"; lists read
    the same number kept on the appeal, `Appeal.chase_count`)."""
    return appeal.events.filter(type=EventType.CHASED).count()
