"""Turn appeals and events into API dictionaries, showing each caller only what they may see."""

from __future__ import annotations

from typing import Any

from lianxin.appeals.actors import Actor
from lianxin.appeals.models import Appeal, AppealEvent, EventType
from lianxin.appeals.policy import Action, allowed_actions
from lianxin.appeals.privacy import contact_for
from lianxin.appeals.suggestion_reasons import reason_text
from lianxin.org.models import User
from lianxin.org.selectors import scope_of

RESIDENT_ACTIONS = {Action.RATE, Action.REOPEN, Action.WITHDRAW}


def ref(obj: Any) -> dict[str, str] | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def is_staff(user: User | None) -> bool:
    return user is not None and scope_of(user).is_staff_member


def _contact(user: User | None, appeal: Appeal) -> dict[str, Any]:
    view = contact_for(user, appeal, reveal=False)
    return {"name": view.name, "phone": view.phone, "masked": view.masked, "anonymous": view.anonymous}


def appeal_detail(appeal: Appeal, *, user: User | None, staff_view: bool) -> dict[str, Any]:
    """The appeal as `user` sees it; `staff_view` adds the working fields staff need."""
    if staff_view and user is not None:
        actions = allowed_actions(Actor.staff(user), appeal)
    else:
        owner = user if user is not None and appeal.resident_id == user.pk else None
        actions = [a for a in allowed_actions(Actor.resident(owner), appeal) if a in RESIDENT_ACTIONS]
    data: dict[str, Any] = {
        "tracking_number": appeal.tracking_number,
        "title": appeal.title,
        "text": appeal.text,
        "kind": appeal.kind,
        "kind_label": str(appeal.get_kind_display()),
        "channel": appeal.channel,
        "status": appeal.status,
        "status_label": str(appeal.get_status_display()),
        "category": ref(appeal.category),
        "area": ref(appeal.area),
        "address": appeal.address,
        "latitude": float(appeal.latitude) if appeal.latitude is not None else None,
        "longitude": float(appeal.longitude) if appeal.longitude is not None else None,
        "unit": ref(appeal.unit),
        "urgency": appeal.urgency,
        "submitted_at": appeal.submitted_at,
        "dispatched_at": appeal.dispatched_at,
        "accepted_at": appeal.accepted_at,
        "replied_at": appeal.replied_at,
        "closed_at": appeal.closed_at,
        "accept_due_at": appeal.accept_due_at,
        "resolve_due_at": appeal.resolve_due_at,
        "due_soon": appeal.due_soon,
        "overdue": appeal.overdue,
        "reply_text": appeal.reply_text,
        "reply_result": appeal.reply_result,
        "satisfaction": appeal.satisfaction,
        "solved": appeal.solved,
        "rating_comment": appeal.rating_comment,
        "reopen_count": appeal.reopen_count,
        "merged_into": appeal.merged_into.tracking_number
        if appeal.merged_into_id and appeal.merged_into
        else None,
        "contact": _contact(user, appeal),
        "attachments": [
            {"name": a.original_name, "content_type": a.content_type, "size": a.size}
            for a in appeal.attachments.all()
        ],
        "allowed_actions": actions,
        "staff_view": staff_view,
    }
    if staff_view:
        data.update(
            return_count=appeal.return_count,
            chase_count=appeal.chase_count,
            accept_overdue=appeal.accept_overdue,
            co_handlers=[ref(c.unit) for c in _co_handlers(appeal)],
            # the stored codes, and their reading in the caller's language as `reason`
            suggestion={**appeal.suggestion, "reason": reason_text(appeal.suggestion)}
            if appeal.suggestion
            else {},
        )
    return data


def appeal_list_item(appeal: Appeal, *, user: User | None) -> dict[str, Any]:
    return {
        "tracking_number": appeal.tracking_number,
        "title": appeal.title,
        "kind": appeal.kind,
        "status": appeal.status,
        "status_label": str(appeal.get_status_display()),
        "channel": appeal.channel,
        "urgency": appeal.urgency,
        "category": ref(appeal.category),
        "area": ref(appeal.area),
        "unit": ref(appeal.unit),
        "submitted_at": appeal.submitted_at,
        "resolve_due_at": appeal.resolve_due_at,
        "due_soon": appeal.due_soon,
        "overdue": appeal.overdue,
        "chase_count": appeal.chase_count,
        "contact": _contact(user, appeal),
    }


def event_item(event: AppealEvent, *, staff_view: bool) -> dict[str, Any]:
    if staff_view or event.actor_id is None:
        actor = event.actor_label
    else:
        # The public sees which unit acted, never a staff member's name.
        actor = event.unit.name if event.unit is not None else "工作人员"
    return {
        "type": event.type,
        "label": str(EventType(event.type).label) if event.type in EventType.values else event.type,
        "at": event.at,
        "actor": actor,
        "unit": ref(event.unit),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "note": event.note,
    }


def _co_handlers(appeal: Appeal) -> Any:
    """The co-handling units' rows, with their unit; those already known (a new appeal has none) are not
    read again."""
    known = getattr(appeal, "_prefetched_objects_cache", {}).get("co_handlers")
    return known if known is not None else appeal.co_handlers.select_related("unit")
