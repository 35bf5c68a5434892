"""Listeners told of every appeal event as it is recorded, registered by the apps that want them
(from their `AppConfig.ready`), so that appeals imports none of them (the webhooks of
`lianxin.integrations` are one).

A listener runs inside the transaction that records the event: what it writes commits or rolls
back with the event, and anything it sends must wait for the commit (`core.tasks.enqueue_on_commit`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import AppealEvent

Listener = Callable[["AppealEvent"], None]
ManyListener = Callable[[list["AppealEvent"]], None]

_listeners: list[Listener] = []
_many_forms: dict[Listener, ManyListener] = {}


def register_event_listener(fn: Listener, *, many: ManyListener | None = None) -> None:
    """`many`, when given, is told of many events at once (a bulk intake's) instead of `fn` one by one."""
    if fn not in _listeners:  # `ready` may run twice (tests, reloads): register once
        _listeners.append(fn)
    if many is not None:
        _many_forms[fn] = many


def event_recorded(event: AppealEvent) -> None:
    for fn in tuple(_listeners):
        fn(event)


def events_recorded(events: list[AppealEvent]) -> None:
    """Many events recorded together, in order (a bulk intake)."""
    for fn in tuple(_listeners):
        many = _many_forms.get(fn)
        if many is not None:
            many(events)
        else:
            for event in events:
                fn(event)
