from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.org.models import Area, Category
from lianxin.proactive import services
from lianxin.proactive.detection import month_start
from lianxin.proactive.events import REGISTRY as PROACTIVE_EVENTS
from lianxin.proactive.models import ProactiveTask, ProactiveTaskEvent, TaskKind
from tests.event_payloads import payloads_round_trip_fixture
from tests.factories import AppealFactory

_event_payloads_round_trip = payloads_round_trip_fixture(ProactiveTaskEvent, PROACTIVE_EVENTS)


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def recurring_appeals(area_code: str = "G1", cat_code: str = "CJ-LD", per_month: int = 3) -> list[int]:
    """`per_month` appeals in each of the last three whole months, in the area and category."""
    area, cat = Area.objects.get(code=area_code), Category.objects.get(code=cat_code)
    today = timezone.localdate()
    ids = []
    for back in (1, 2, 3):
        for i in range(per_month):
            ids.append(
                AppealFactory(
                    area=area, category=cat, submitted_at=at(month_start(today, back) + dt.timedelta(days=i))
                ).pk
            )
    return ids


@pytest.fixture
def task(district) -> ProactiveTask:
    recurring_appeals()
    services.proposals_generate()
    return ProactiveTask.objects.get(kind=TaskKind.RECURRING)
