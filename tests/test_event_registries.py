"""Every app's event payload registry (ADR 0008) covers its event types exactly, one frozen class
per type whose `TYPE` is the key, each parsing `{}` to its defaults."""

from __future__ import annotations

import dataclasses

import pytest

from lianxin.core.payloads import PayloadRegistry, UnknownEventTypeError
from lianxin.learning import events as learning_events
from lianxin.learning.models import EventType as LearningEventType
from lianxin.outreach import events as outreach_events
from lianxin.proactive import events as proactive_events
from lianxin.proactive.models import TaskEventType
from lianxin.supervision import events as order_events
from lianxin.supervision.models import OrderEventType

REGISTRIES = {
    "supervision orders": (order_events.REGISTRY, set(OrderEventType.values)),
    "learning": (learning_events.REGISTRY, set(LearningEventType.values)),
    "proactive": (proactive_events.REGISTRY, set(TaskEventType.values)),
    "outreach": (
        outreach_events.REGISTRY,
        {v for k, v in vars(outreach_events.OutreachEventType).items() if k.isupper()},
    ),
}


@pytest.mark.parametrize("name", list(REGISTRIES))
def test_registry_covers_the_types_exactly(name):
    registry, types = REGISTRIES[name]
    assert set(registry.payloads) == types
    for event_type, cls in registry.payloads.items():
        assert event_type == cls.TYPE
        assert dataclasses.is_dataclass(cls)
        assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]  # set by @dataclass, unknown to the stubs
        assert cls.from_data({}) == cls()
    with pytest.raises(UnknownEventTypeError, match="'teleported'"):
        registry.parse("teleported", {})


def test_a_class_registered_under_another_type_is_refused():
    with pytest.raises(TypeError, match="registered under 'closed'"):
        PayloadRegistry("test", {"closed": order_events.OrderCreated})


def test_proposed_keeps_the_detectors_facts_flat():
    payload = proactive_events.Proposed(evidence=4, facts={"months": [1, 2], "share": 0.5, "obj": object()})
    assert payload.to_data() == {"evidence": 4, "months": [1, 2], "share": 0.5}
    assert proactive_events.Proposed.from_data(payload.to_data()).facts == {"months": [1, 2], "share": 0.5}
