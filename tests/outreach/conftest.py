import pytest

from lianxin.outreach.events import REGISTRY
from lianxin.outreach.models import OutreachEvent
from tests.event_payloads import payloads_round_trip_fixture

from .factories import Outreach

_event_payloads_round_trip = payloads_round_trip_fixture(OutreachEvent, REGISTRY)


@pytest.fixture
def outreach(district) -> Outreach:
    return Outreach(district)
