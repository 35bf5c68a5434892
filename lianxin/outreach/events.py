"""Typed payloads of the outreach events (`OutreachEvent.data`): one frozen class per event type
(ADR 0008), written through `record`. The stored JSON keeps the keys the keyword arguments wrote
before, so older rows parse unchanged; `tests/outreach/test_events.py` checks the registry."""

from __future__ import annotations

from dataclasses import dataclass

from lianxin.core.payloads import Payload, PayloadRegistry
from lianxin.org.models import User

from .models import Household, OutreachEvent


class OutreachEventType:
    """`OutreachEvent.type` (a plain column: no choices, so no migration)."""

    REGISTERED = "registered"
    ASSIGNED = "assigned"
    POINT_ASSIGNED = "point_assigned"
    ASSIGNMENT_ENDED = "assignment_ended"
    VISITED = "visited"
    FOLLOW_UP_DONE = "follow_up_done"
    VISIT_PHOTOS_ADDED = "visit_photos_added"
    CONCERN_TO_APPEAL = "concern_to_appeal"


@dataclass(frozen=True)
class Registered(Payload):
    TYPE = OutreachEventType.REGISTERED
    source: str = ""
    members: int = 0


@dataclass(frozen=True)
class Assigned(Payload):
    TYPE = OutreachEventType.ASSIGNED
    cadre: int | None = None


@dataclass(frozen=True)
class PointAssigned(Payload):
    """A cadre tied to a contact point (an area) rather than a household."""

    TYPE = OutreachEventType.POINT_ASSIGNED
    cadre: int | None = None
    area: str = ""  # the area's code


@dataclass(frozen=True)
class AssignmentEnded(Payload):
    TYPE = OutreachEventType.ASSIGNMENT_ENDED
    assignment: int | None = None


@dataclass(frozen=True)
class Visited(Payload):
    TYPE = OutreachEventType.VISITED
    visit: int | None = None
    concerns: int = 0
    photos: int = 0


@dataclass(frozen=True)
class FollowUpDone(Payload):
    TYPE = OutreachEventType.FOLLOW_UP_DONE
    follow_up: int | None = None


@dataclass(frozen=True)
class VisitPhotosAdded(Payload):
    TYPE = OutreachEventType.VISIT_PHOTOS_ADDED
    visit: int | None = None
    photos: int = 0


@dataclass(frozen=True)
class ConcernToAppeal(Payload):
    TYPE = OutreachEventType.CONCERN_TO_APPEAL
    concern: int | None = None
    appeal: str = ""  # the appeal's tracking number
    consent: bool = False  # the resident's contact details went with it


REGISTRY = PayloadRegistry.of_classes(
    "outreach",
    Registered,
    Assigned,
    PointAssigned,
    AssignmentEnded,
    Visited,
    FollowUpDone,
    VisitPhotosAdded,
    ConcernToAppeal,
)


def record(payload: Payload, *, actor: User | None, household: Household | None = None) -> OutreachEvent:
    """One `OutreachEvent` of `payload.TYPE`."""
    return OutreachEvent.objects.create(
        type=payload.TYPE, actor=actor, household=household, data=payload.to_data()
    )
