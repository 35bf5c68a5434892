"""Typed event payloads. Every service records one `ConsultationEvent` row from one of these.

Contributions are recorded under the participant's pseudonym, never the resident's account, so
that the timeline keeps the anonymity the public pages promise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar

from lianxin.org.models import User

from .models import Consultation, ConsultationEvent, EventType


@dataclass(frozen=True)
class Payload:
    type: ClassVar[str]


@dataclass(frozen=True)
class Created(Payload):
    type: ClassVar[str] = EventType.CREATED
    slug: str


@dataclass(frozen=True)
class Edited(Payload):
    type: ClassVar[str] = EventType.EDITED
    fields: tuple[str, ...]


@dataclass(frozen=True)
class StatusChanged(Payload):
    type: ClassVar[str]
    from_status: str
    to_status: str


@dataclass(frozen=True)
class Published(StatusChanged):
    type: ClassVar[str] = EventType.PUBLISHED


@dataclass(frozen=True)
class Closed(StatusChanged):
    type: ClassVar[str] = EventType.CLOSED


@dataclass(frozen=True)
class Archived(StatusChanged):
    type: ClassVar[str] = EventType.ARCHIVED


@dataclass(frozen=True)
class DecisionPublished(Payload):
    type: ClassVar[str] = EventType.DECISION_PUBLISHED
    changed_paragraphs: tuple[int, ...]


@dataclass(frozen=True)
class Contributed(Payload):
    type: ClassVar[str] = EventType.CONTRIBUTED
    kind: str
    object_id: int
    participant: str  # the pseudonym


@dataclass(frozen=True)
class ProposalQueued(Payload):
    type: ClassVar[str] = EventType.PROPOSAL_QUEUED
    proposal_id: int
    supports: int


@dataclass(frozen=True)
class Moderated(Payload):
    type: ClassVar[str] = EventType.MODERATED
    kind: str
    object_id: int
    visibility: str
    reason: str


@dataclass(frozen=True)
class Reported(Payload):
    type: ClassVar[str] = EventType.REPORTED
    kind: str
    object_id: int


@dataclass(frozen=True)
class FeedbackGiven(Payload):
    type: ClassVar[str] = EventType.FEEDBACK
    kind: str
    object_id: int
    decision: str


@dataclass(frozen=True)
class Imported(Payload):
    type: ClassVar[str] = EventType.IMPORTED
    source: str
    statements: int
    participants: int
    votes: int


@dataclass(frozen=True)
class AttachmentsChanged(Payload):
    type: ClassVar[str] = EventType.ATTACHMENTS
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class SummaryChanged(Payload):
    type: ClassVar[str] = EventType.SUMMARY
    action: str  # drafted | edited | published | withdrawn
    paragraphs: tuple[int | None, ...]


@dataclass(frozen=True)
class OpenedFrom(Payload):
    type: ClassVar[str] = EventType.OPENED_FROM
    kind: str
    task_id: int | None
    label: str
    appeals: int


def record(
    consultation: Consultation, payload: Payload, *, actor: User | None = None, label: str = ""
) -> ConsultationEvent:
    """Write the event row for `payload`; `actor` is None for residents' contributions and the system."""
    if not label and actor is not None:
        label = actor.display_name or actor.username
    return ConsultationEvent.objects.create(
        consultation=consultation,
        type=payload.type,
        actor=actor,
        actor_label=label[:100],
        data=asdict(payload),
    )
