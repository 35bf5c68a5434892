from __future__ import annotations

import pytest

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.models import EventType, Satisfaction, Status
from lianxin.audit.services import audit_verify

from .helpers import submit

pytestmark = pytest.mark.django_db


def test_full_lifecycle_records_every_step(district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    appeal = submit(district)
    assert appeal.status == Status.SUBMITTED
    assert appeal.tracking_number.startswith("LX")
    assert appeal.suggested_unit == district.unit_city

    services.appeal_dispatch(
        appeal=appeal, actor=Actor.staff(district.dispatcher), unit=district.unit_city.code
    )
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED
    assert appeal.accept_due_at is not None
    assert appeal.resolve_due_at is not None

    services.appeal_accept(appeal=appeal, actor=Actor.staff(district.handler_city))
    services.appeal_reply(
        appeal=appeal, actor=Actor.staff(district.handler_city), text="已更换灯泡，路灯恢复正常。"
    )
    services.appeal_rate(
        appeal=appeal, actor=Actor.resident(), satisfaction=Satisfaction.SATISFIED, solved=True
    )
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
    types = list(appeal.events.values_list("type", flat=True))
    assert types == [
        EventType.SUBMITTED,
        EventType.TRIAGED,
        EventType.DISPATCHED,
        EventType.ACCEPTED,
        EventType.REPLIED,
        EventType.RATED,
    ]
    assert audit_verify().ok


def test_auto_dispatch_when_routing_is_unambiguous(district):
    appeal = submit(district)
    assert appeal.status == Status.DISPATCHED
    assert appeal.unit == district.unit_city
