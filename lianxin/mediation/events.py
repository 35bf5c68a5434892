"""Typed payloads of the case events (`CaseEvent.data`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Payload:
    def as_data(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "", [], {})}


@dataclass(frozen=True)
class Assigned(Payload):
    mediator_id: int
    previous_mediator_id: int | None = None


@dataclass(frozen=True)
class SessionRecorded(Payload):
    session_id: int
    held_at: str


@dataclass(frozen=True)
class Extended(Payload):
    days: int
    due_at: str
    previous_due_at: str


@dataclass(frozen=True)
class RiskFlagged(Payload):
    reasons: list[str] = field(default_factory=list)
    automatic: bool = False


@dataclass(frozen=True)
class PartyStep(Payload):
    party_id: int


@dataclass(frozen=True)
class Referred(Payload):
    target: str


@dataclass(frozen=True)
class FollowedUp(Payload):
    follow_up_id: int
    kept: bool


@dataclass(frozen=True)
class Opened(Payload):
    source: str
    appeal: str = ""
    parties: int = 0
