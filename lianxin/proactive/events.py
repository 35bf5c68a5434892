"""Typed payloads of the proactive-task events (`ProactiveTaskEvent.data`): one frozen class per
`TaskEventType` (ADR 0008), written through `record` (the event row and its audit entry). The
stored JSON keeps the keys the keyword arguments wrote before; `tests/proactive/test_events.py`
checks the registry covers `TaskEventType` exactly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from django.utils import timezone

from lianxin.audit.services import audit_append
from lianxin.core.payloads import Payload, PayloadRegistry
from lianxin.org.models import User

from .models import ProactiveTask, ProactiveTaskEvent, TaskEventType


@dataclass(frozen=True)
class Proposed(Payload):
    """A detector's proposal: how many appeals back it, and the detector's own facts (its own
    schema, `detection.Proposal.facts`: JSON scalars and lists only), stored flat beside it."""

    TYPE = TaskEventType.PROPOSED
    evidence: int = 0
    facts: Mapping[str, Any] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        facts = {
            k: v for k, v in self.facts.items() if isinstance(v, str | int | float | list) and k != "evidence"
        }
        return {"evidence": self.evidence, **facts}

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> Self:
        rest = dict(data or {})
        return cls(evidence=int(rest.pop("evidence", 0) or 0), facts=rest)


@dataclass(frozen=True)
class Accepted(Payload):
    TYPE = TaskEventType.ACCEPTED
    deadline: str = ""  # ISO date
    owner_unit: int | None = None
    owner_grid: int | None = None


@dataclass(frozen=True)
class Dismissed(Payload):
    TYPE = TaskEventType.DISMISSED


@dataclass(frozen=True)
class Done(Payload):
    TYPE = TaskEventType.DONE


REGISTRY = PayloadRegistry.of_classes("proactive task", Proposed, Accepted, Dismissed, Done)


def record(
    task: ProactiveTask, payload: Payload, *, actor: User | None, note: str = ""
) -> ProactiveTaskEvent:
    """One `ProactiveTaskEvent` of `payload.TYPE` and its audit entry (`proactive_<type>`)."""
    data = payload.to_data()
    event = ProactiveTaskEvent.objects.create(
        task=task, type=payload.TYPE, at=timezone.now(), actor=actor, note=note, data=data
    )
    audit_append(
        action=f"proactive_{payload.TYPE}",
        object_type="proactive_task",
        object_id=task.pk,
        actor=actor,
        actor_label="" if actor else "system",
        data=data,
    )
    return event
