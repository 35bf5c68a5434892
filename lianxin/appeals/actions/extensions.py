"""Extensions (延期): a unit asks for more time; a dispatcher approves or refuses."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailedError
from lianxin.notifications.services import notify_users
from lianxin.org.models import Role

from .. import deadlines, events
from ..actors import Actor
from ..models import Appeal, ExtensionRequest, ExtensionStatus
from ..policy import Action, ensure_allowed
from .base import _locked, record_event
from .recipients import _dispatcher_ids, _notify_unit, _staff_link
from .validation import _clean_note


@transaction.atomic
def appeal_request_extension(
    *, appeal: Appeal | int, actor: Actor, working_days: int, reason: str
) -> ExtensionRequest:
    """The handling unit asks for more time (延期)."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.REQUEST_EXTENSION)
    if not isinstance(working_days, int) or not 1 <= working_days <= 30:
        raise ValidationFailedError(_("延期天数应为 1 到 30 个工作日。"), field="working_days")
    reason = _clean_note(reason, required=True, field="reason", what=_("延期理由"))
    assert appeal.unit is not None
    assert actor.user is not None
    request = ExtensionRequest.objects.create(
        appeal=appeal,
        unit=appeal.unit,
        requested_by=actor.user,
        requested_at=timezone.now(),
        working_days=working_days,
        reason=reason,
    )
    record_event(
        appeal,
        events.ExtensionRequested(working_days=working_days, request=request.pk),
        actor,
        from_status=appeal.status,
        to_status=appeal.status,
        note=reason,
        unit=appeal.unit,
        public=False,
    )
    notify_users(
        user_ids=_dispatcher_ids(appeal, Role.SUPERVISOR, Role.LEADER),
        title=_("延期申请：{tracking_number}").format(tracking_number=appeal.tracking_number),
        body=reason,
        link=_staff_link(appeal),
        kind="extension",
    )
    return request


@transaction.atomic
def appeal_decide_extension(
    *, appeal: Appeal | int, actor: Actor, approve: bool, note: str = ""
) -> ExtensionRequest:
    """Approve (moving the resolve deadline) or refuse the pending extension request."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.DECIDE_EXTENSION)
    request = appeal.extensions.select_for_update().get(status=ExtensionStatus.PENDING)
    note = _clean_note(note, required=not approve, what=_("驳回理由"))
    request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    request.decided_by, request.decided_at, request.decision_note = actor.user, timezone.now(), note
    request.save()
    payload: events.ExtensionApproved | events.ExtensionRefused
    if not approve:
        payload = events.ExtensionRefused(request=request.pk, working_days=request.working_days)
    elif appeal.resolve_due_at is None:
        payload = events.ExtensionApproved(request=request.pk, working_days=request.working_days)
    else:
        old_due = appeal.resolve_due_at
        appeal.resolve_due_at = deadlines.extend(old_due, request.working_days)
        appeal.due_soon = False
        if appeal.resolve_due_at > timezone.now():
            appeal.overdue = False
        appeal.save(update_fields=["resolve_due_at", "due_soon", "overdue", "updated_at"])
        payload = events.ExtensionApproved(
            request=request.pk,
            working_days=request.working_days,
            old_due=old_due,
            new_due=appeal.resolve_due_at,
        )
    record_event(
        appeal,
        payload,
        actor,
        from_status=appeal.status,
        to_status=appeal.status,
        note=note,
        unit=appeal.unit,
        public=approve,
    )
    _notify_unit(
        appeal,
        appeal.unit,
        _("延期申请{value}：{tracking_number}").format(
            value="已同意" if approve else "被驳回", tracking_number=appeal.tracking_number
        ),
        "extension_decided",
    )
    return request
