"""Helpers for supervision tests: build appeal histories event by event, at chosen times."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lianxin.appeals.models import Appeal, AppealEvent, EventType, Status
from lianxin.org.models import Area, Category, Unit, User
from lianxin.supervision.events import REGISTRY as ORDER_EVENTS
from lianxin.supervision.models import OrderEvent
from lianxin.worktime.calendar import TZ
from tests.event_payloads import payloads_round_trip_fixture
from tests.factories import AppealFactory

_order_event_payloads_round_trip = payloads_round_trip_fixture(OrderEvent, ORDER_EVENTS)


def at(text: str) -> dt.datetime:
    """`2026-05-06 09:00` in Asia/Shanghai."""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


class History:
    """Writes AppealEvent rows for one appeal the way the services do, at given times."""

    def __init__(self, *, area: Area | None, category: Category | None, submitted: dt.datetime, **extra: Any):
        self.appeal: Appeal = AppealFactory(area=area, category=category, submitted_at=submitted, **extra)
        self.status: str = Status.SUBMITTED
        self.event(EventType.SUBMITTED, submitted, to=Status.SUBMITTED)

    def event(
        self,
        type_: str,
        when: dt.datetime,
        *,
        to: str | None = None,
        unit: Unit | None = None,
        actor: User | None = None,
        data: dict[str, Any] | None = None,
    ) -> AppealEvent:
        from_status = self.status if type_ != EventType.SUBMITTED else ""
        if to is not None:
            self.status = to
        return AppealEvent.objects.create(
            appeal=self.appeal,
            type=type_,
            at=when,
            unit=unit,
            actor=actor,
            from_status=from_status,
            to_status=self.status,
            data=data or {},
        )

    # shorthands -----------------------------------------------------------------------------
    def dispatch(self, when: dt.datetime, unit: Unit) -> History:
        self.event(EventType.DISPATCHED, when, to=Status.DISPATCHED, unit=unit)
        Appeal.objects.filter(pk=self.appeal.pk).update(unit=unit, status=self.status)
        return self

    def accept(self, when: dt.datetime, unit: Unit, *, late: bool = False, by: User | None = None) -> History:
        self.event(EventType.ACCEPTED, when, to=Status.ACCEPTED, unit=unit, actor=by, data={"late": late})
        return self

    def ret(self, when: dt.datetime, unit: Unit) -> History:
        self.event(EventType.RETURNED, when, to=Status.RETURNED, unit=unit)
        Appeal.objects.filter(pk=self.appeal.pk).update(unit=None, status=self.status)
        return self

    def reply(self, when: dt.datetime, unit: Unit, *, late: bool = False, by: User | None = None) -> History:
        self.event(EventType.REPLIED, when, to=Status.REPLIED, unit=unit, actor=by, data={"late": late})
        return self

    def rate(self, when: dt.datetime, unit: Unit, satisfaction: str, solved: bool | None) -> History:
        self.event(
            EventType.RATED,
            when,
            to=Status.CLOSED,
            unit=unit,
            data={"satisfaction": satisfaction, "solved": solved},
        )
        Appeal.objects.filter(pk=self.appeal.pk).update(
            status=self.status, satisfaction=satisfaction, solved=solved
        )
        return self


@pytest.fixture
def history_factory():
    return History


@pytest.fixture(autouse=True)
def _fresh_dimension_maps():
    from lianxin.supervision import rollups

    rollups._maps_cache.clear()
    yield
    rollups._maps_cache.clear()
