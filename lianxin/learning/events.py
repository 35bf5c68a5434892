"""Typed payloads of the enrolment events (`LearningEvent.data`): one frozen class per
`EventType` (ADR 0008), written through `record`. The stored JSON keeps the keys the dicts wrote
before; `tests/learning/test_events.py` checks the registry covers `EventType` exactly."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from lianxin.core.payloads import Payload, PayloadRegistry
from lianxin.org.models import User

from .models import Enrolment, EventType, LearningEvent


@dataclass(frozen=True)
class Assigned(Payload):
    TYPE = EventType.ASSIGNED
    OMIT_EMPTY = frozenset({"reason"})
    reason: str = ""


@dataclass(frozen=True)
class LessonDone(Payload):
    TYPE = EventType.LESSON_DONE
    lesson: int | None = None


@dataclass(frozen=True)
class QuizFailed(Payload):
    TYPE = EventType.QUIZ_FAILED
    score: int = 0
    pass_mark: int = 0


@dataclass(frozen=True)
class Passed(Payload):
    TYPE = EventType.PASSED
    score: int = 0
    pass_mark: int = 0


REGISTRY = PayloadRegistry.of_classes("learning", Assigned, LessonDone, QuizFailed, Passed)


def _label(user: User | None) -> str:
    return (user.display_name or user.username) if user is not None else "系统"


def record(enrolment: Enrolment, payload: Payload, actor: User | None, *, from_status: str) -> LearningEvent:
    """One `LearningEvent` of `payload.TYPE` (the enrolment's status after the change as `to_status`)."""
    return LearningEvent.objects.create(
        enrolment=enrolment,
        type=payload.TYPE,
        at=timezone.now(),
        actor=actor,
        actor_label=_label(actor),
        from_status=from_status,
        to_status=enrolment.status,
        data=payload.to_data(),
    )
