"""The machinery every action shares: locking the appeal, recording an event, the transition step."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.errors import NotFoundError, TransitionNotAllowedError
from lianxin.notifications.services import notifications_mark_read_for
from lianxin.org.models import Unit

from .. import hooks
from ..actors import Actor
from ..events import Payload, Transition
from ..models import (
    Appeal,
    AppealEvent,
    EventType,
    ExtensionRequest,
    ExtensionStatus,
    ReplyReview,
    ReviewStatus,
    Status,
)
from ..policy import TRANSITIONS, status_refusal
from .recipients import _staff_link

# --- helpers -----------------------------------------------------------------------------------


def _locked(appeal: Appeal | int) -> Appeal:
    pk = appeal.pk if isinstance(appeal, Appeal) else appeal
    try:
        return (
            Appeal.objects.select_for_update(of=("self",))
            .select_related("category", "area", "unit")
            .get(pk=pk)
        )
    except Appeal.DoesNotExist:
        raise NotFoundError(_("没有找到该诉求。")) from None


def record_event(
    appeal: Appeal,
    payload: Payload,
    actor: Actor,
    *,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    unit: Unit | None = None,
    public: bool = True,
    at: dt.datetime | None = None,
) -> AppealEvent:
    """Write one timeline event and its audit entry. The event's type is the payload's
    (`events.PAYLOADS`), its `data` the payload's JSON (ADR 0008)."""
    if not isinstance(payload, Payload) or not payload.TYPE:  # e.g. an old call passing EventType.X
        raise TypeError(
            f"record_event takes an event payload of appeals.events.PAYLOADS, not {payload!r} (ADR 0008)"
        )
    event_type = payload.TYPE
    event = AppealEvent.objects.create(
        appeal=appeal,
        type=event_type,
        at=at or timezone.now(),
        actor=actor.user,
        actor_label=actor.label,
        unit=unit,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=payload.to_data(),
        public=public,
    )
    event.__dict__["_lianxin_payload"] = payload  # events.payload_of
    audit_append(
        action=AuditAction.STATE_CHANGE,
        object_type="appeal",
        object_id=appeal.tracking_number,
        actor=actor.user,
        actor_label=actor.label,
        data={"event": event_type, "from": from_status, "to": to_status, "unit": unit.code if unit else None},
    )
    if actor.user is not None and not actor.resident_owner and event_type != EventType.SUBMITTED:
        # a staff member who acts on a case has read what told them about it
        notifications_mark_read_for(user_id=actor.user.pk, link=_staff_link(appeal))
    hooks.event_recorded(event)  # e.g. the webhooks of lianxin.integrations
    return event


def _lapse_pending_extensions(appeal: Appeal) -> list[int]:
    """An extension request (延期) is the accepting unit's, for its deadline: once the appeal leaves
    its hands undecided (returned, replied, withdrawn, merged), nobody can decide it any more and it
    must not block the next unit's own request. Returns the ids of the requests that lapsed."""
    pending = list(appeal.extensions.filter(status=ExtensionStatus.PENDING).values_list("pk", flat=True))
    if pending:
        ExtensionRequest.objects.filter(pk__in=pending).update(
            status=ExtensionStatus.LAPSED, decided_at=timezone.now()
        )
    return pending


def _lapse_pending_reviews(appeal: Appeal) -> list[int]:
    """A reply under review (答复审核) lapses when the appeal leaves the unit's hands undecided
    (returned, withdrawn, merged): nobody can approve it any more. Returns the reviews' ids."""
    pending = list(appeal.reply_reviews.filter(status=ReviewStatus.PENDING).values_list("pk", flat=True))
    if pending:
        ReplyReview.objects.filter(pk__in=pending).update(
            status=ReviewStatus.LAPSED, decided_at=timezone.now()
        )
        appeal.__dict__.pop("_lianxin_pending_review", None)  # review_rules.forget_pending_review
    return pending


def _transition(
    appeal: Appeal,
    action: str,
    actor: Actor,
    payload: Transition,
    *,
    note: str = "",
    unit: Unit | None = None,
    public: bool = True,
    changes: dict[str, Any] | None = None,
) -> Appeal:
    """Apply and record one transition on a locked appeal: the only place an appeal's status changes.

    The caller has checked it with `policy.ensure_allowed(actor, appeal, action)` first, before
    cleaning its input (a refusal comes before input errors); `tests/appeals/test_actions_checked.py`
    holds every action to that. The state machine itself holds here for every actor, the system's
    too (which `ensure_allowed` lets through): a transition from a status not in
    `policy.TRANSITIONS[action]` is refused."""
    sources, target = TRANSITIONS[action]
    if appeal.status not in sources:
        raise TransitionNotAllowedError(status_refusal(appeal, action))
    if actor.via:  # done on the resident's behalf (回访): the rating still counts as theirs
        payload = dataclasses.replace(payload, via=actor.via)
    from_status = appeal.status
    for field, value in (changes or {}).items():
        setattr(appeal, field, value)
    if target is not None:
        appeal.status = target
    appeal.save()
    if from_status == Status.ACCEPTED and appeal.status != Status.ACCEPTED:
        payload = dataclasses.replace(
            payload,
            extension_lapsed=tuple(_lapse_pending_extensions(appeal)),
            reply_review_lapsed=tuple(_lapse_pending_reviews(appeal)),
        )
    record_event(
        appeal,
        payload,
        actor,
        from_status=from_status,
        to_status=appeal.status,
        note=note,
        unit=unit,
        public=public,
    )
    return appeal
