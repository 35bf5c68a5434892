"""Typed payloads of the supervision-order events (`OrderEvent.data`): one frozen class per
`OrderEventType`, like `appeals/events.py` (ADR 0008).

`services._order_transition` (and `order_create`) hand a payload to `record_order_event`, which
takes the event type from `payload.TYPE`; readers (the order page's timeline) go through
`order_payload_of` / `with_order_payloads` and read fields. The stored JSON keeps the keys the
dict literals wrote before, so older rows parse unchanged. `tests/test_event_registries.py` checks
the registry covers `OrderEventType` exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from lianxin.appeals.actors import Actor
from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.payloads import Payload, PayloadRegistry

from .models import OrderEvent, OrderEventType, SupervisionOrder


@dataclass(frozen=True)
class OrderCreated(Payload):
    TYPE = OrderEventType.CREATED
    warning: int | None = None  # the warning turned into the order (转督办)
    appeal: int | None = None


@dataclass(frozen=True)
class OrderResponded(Payload):
    TYPE = OrderEventType.RESPONDED


@dataclass(frozen=True)
class OrderEscalated(Payload):
    TYPE = OrderEventType.ESCALATED
    due_at: dt.datetime | None = None  # the deadline that passed


@dataclass(frozen=True)
class OrderClosed(Payload):
    TYPE = OrderEventType.CLOSED


REGISTRY = PayloadRegistry.of_classes(
    "supervision order", OrderCreated, OrderResponded, OrderEscalated, OrderClosed
)


def order_payload_of(event: OrderEvent) -> Payload:
    return REGISTRY.of(event)


def with_order_payloads(events: Iterable[OrderEvent]) -> list[OrderEvent]:
    """The events with `.payload` for the timeline template (`{{ e.payload.due_at }}`)."""
    return REGISTRY.attach(events)


def record_order_event(
    order: SupervisionOrder, payload: Payload, actor: Actor, *, from_status: str, note: str = ""
) -> OrderEvent:
    """One `OrderEvent` of `payload.TYPE` (the order's status after the change as `to_status`) and
    its audit entry."""
    event = OrderEvent.objects.create(
        order=order,
        type=payload.TYPE,
        at=timezone.now(),
        actor=actor.user,
        actor_label=actor.label,
        from_status=from_status,
        to_status=order.status,
        note=note,
        data=payload.to_data(),
    )
    audit_append(
        action=AuditAction.STATE_CHANGE,
        object_type="supervision_order",
        object_id=order.number,
        actor=actor.user,
        actor_label=actor.label,
        data={"event": payload.TYPE, "from": from_status, "to": order.status, "unit": order.unit.code},
    )
    return event
