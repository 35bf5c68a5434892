"""Event rows of community life, and their audit entries for the sensitive ones."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils import timezone

from lianxin.audit.services import AuditAction, audit_append
from lianxin.org.models import User

from .models import Activity, Event, Organization, Wish


@dataclass(frozen=True)
class Payload:
    """What an event says beyond its type: from/to status, whom it concerns, free details."""

    from_status: str = ""
    to_status: str = ""
    subject_user_id: int | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", None, {})}


def actor_label(user: User | None) -> str:
    if user is None:
        return "系统"
    return user.display_name or user.username


def record(
    event_type: str,
    *,
    actor: User | None,
    payload: Payload | None = None,
    activity: Activity | None = None,
    wish: Wish | None = None,
    organization: Organization | None = None,
    audit: bool = False,
) -> Event:
    """Write one event row (inside the caller's transaction) and, if `audit`, its audit entry."""
    data = (payload or Payload()).as_data()
    event = Event.objects.create(
        type=event_type,
        at=timezone.now(),
        actor=actor,
        actor_label=actor_label(actor),
        activity=activity,
        wish=wish,
        organization=organization,
        data=data,
    )
    if audit:
        if wish is not None:
            object_type, object_id = "wish", wish.pk
        elif activity is not None:
            object_type, object_id = "activity", activity.pk
        else:
            object_type, object_id = "organization", organization.pk if organization else 0
        audit_append(
            action=AuditAction.STATE_CHANGE,
            object_type=object_type,
            object_id=object_id,
            actor=actor,
            actor_label=actor_label(actor),
            data={"event": event_type, **data},
        )
    return event


def audit_personal_view(*, viewer: User, object_type: str, object_id: int, what: str) -> None:
    """Every look at residents' names and phones is logged."""
    audit_append(
        action=AuditAction.PERSONAL_DATA_VIEW,
        object_type=object_type,
        object_id=object_id,
        actor=viewer,
        actor_label=actor_label(viewer),
        data={"what": what},
    )
