from lianxin.learning.events import REGISTRY
from lianxin.learning.models import LearningEvent
from tests.event_payloads import payloads_round_trip_fixture

_event_payloads_round_trip = payloads_round_trip_fixture(LearningEvent, REGISTRY)
