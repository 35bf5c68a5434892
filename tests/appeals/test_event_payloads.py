"""Typed event payloads (ADR 0008): the registry, the parser's tolerance, the transition table
holding for system actors too, and the rows of the importer and the demo seed."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from lianxin.appeals import events, services
from lianxin.appeals.actors import Actor
from lianxin.appeals.models import AppealEvent, EventType, Status
from lianxin.core.errors import TransitionNotAllowedError

from .conftest import events_not_round_tripping
from .helpers import accepted, dispatched, replied


def test_the_registry_covers_every_event_type_exactly_with_its_own_class():
    assert set(events.PAYLOADS) == set(EventType.values)
    for event_type, cls in events.PAYLOADS.items():
        assert event_type == cls.TYPE, cls.__name__
        assert dataclasses.is_dataclass(cls), cls.__name__
        assert cls.__dataclass_params__.frozen, cls.__name__  # type: ignore[attr-defined]
    assert len(set(events.PAYLOADS.values())) == len(events.PAYLOADS)  # no class serves two types


def test_every_field_has_a_default_so_rows_written_before_it_still_parse():
    for cls in events.PAYLOADS.values():
        assert cls.from_data({}) == cls(), cls.__name__
        assert cls.from_data(None) == cls(), cls.__name__


def test_unknown_keys_are_ignored_and_json_values_become_typed_fields():
    replied_ = events.parse_payload(
        "replied",
        {
            "late": True,
            "added_later_by_someone": 1,
            "extension_lapsed": [4, 5],
            "reply_quality": {
                "overall": 0.4,
                "relevance": 0.5,
                "completeness": 0.3,
                "timeliness": None,
                "reasons": ["套话"],
            },
        },
    )
    assert isinstance(replied_, events.Replied)
    assert replied_.late is True
    assert replied_.extension_lapsed == (4, 5)
    assert replied_.reply_quality == events.ReplyQuality(0.4, 0.5, 0.3, None, ("套话",))
    approved = events.parse_payload("extension_approved", {"request": 3, "new_due": "2026-11-30T10:00:00"})
    assert isinstance(approved, events.ExtensionApproved)
    assert approved.new_due == dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC)  # naive: taken as UTC
    broken = events.parse_payload("overdue", {"resolve_due_at": "not a date"})
    assert isinstance(broken, events.Overdue)
    assert broken.resolve_due_at is None


def test_an_unknown_event_type_is_named():
    with pytest.raises(events.UnknownEventTypeError, match="'sent_to_mars'"):
        events.parse_payload("sent_to_mars", {})


def test_keys_written_only_sometimes_stay_absent_when_empty():
    assert events.Rated(satisfaction="basic", solved=False).to_data() == {
        "satisfaction": "basic",
        "solved": False,
    }
    assert events.Rated(satisfaction="basic", solved=None, via="sms").to_data() == {
        "satisfaction": "basic",
        "solved": None,
        "via": "sms",
    }
    assert events.Closed().to_data() == {}
    assert "from_suggested_unit" not in events.Reclassified(to_area=3).to_data()
    assert events.Reclassified(rerouted=True).to_data()["to_suggested_unit"] is None
    assert events.Reclassified.from_data({"to_suggested_unit": None}).rerouted is True


def test_record_event_takes_the_type_from_the_payload(district):
    appeal = dispatched(district)
    event = services.record_event(
        appeal,
        events.Chased(kind="chase"),
        Actor.staff(district.operator),
        from_status=appeal.status,
        to_status=appeal.status,
    )
    event.refresh_from_db()
    assert (event.type, event.data) == (EventType.CHASED, {"kind": "chase"})
    assert events.payload_of(event) == events.Chased(kind="chase")


def test_a_lifecycle_writes_payloads_the_readers_get_back(district):
    appeal = accepted(district)
    services.appeal_request_extension(
        appeal=appeal, actor=Actor.staff(district.handler_city), working_days=2, reason="需要协调施工"
    )
    services.appeal_decide_extension(appeal=appeal, actor=Actor.staff(district.dispatcher), approve=True)
    services.appeal_reply(appeal=appeal, actor=Actor.staff(district.handler_city), text="已修复路灯。")
    services.appeal_rate(appeal=appeal, actor=Actor.resident(), satisfaction="dissatisfied", solved=False)
    by_type = {e.type: events.payload_of(e) for e in AppealEvent.objects.filter(appeal=appeal)}
    dispatched_ = by_type[EventType.DISPATCHED]
    assert isinstance(dispatched_, events.Dispatched)
    assert dispatched_.chosen_unit == district.unit_city.pk
    approved = by_type[EventType.EXTENSION_APPROVED]
    assert isinstance(approved, events.ExtensionApproved)
    assert approved.working_days == 2
    assert approved.new_due is not None
    assert approved.old_due is not None
    assert approved.new_due > approved.old_due
    replied_ = by_type[EventType.REPLIED]
    assert isinstance(replied_, events.Replied)
    assert replied_.late is False
    assert replied_.reply_quality is not None
    assert 0 <= replied_.reply_quality.overall <= 1
    assert by_type[EventType.RATED] == events.Rated(satisfaction="dissatisfied", solved=False)
    assert events_not_round_tripping() == []


def test_close_unrated_is_held_to_the_transition_table_for_the_system_too(district):
    appeal = accepted(district)
    with pytest.raises(TransitionNotAllowedError, match="已签收"):
        services.appeal_close_unrated(appeal=appeal, actor=Actor.automatic("系统"))
    appeal.refresh_from_db()
    assert appeal.status == Status.ACCEPTED
    assert not AppealEvent.objects.filter(appeal=appeal, type=EventType.CLOSED).exists()


def test_no_system_actor_moves_an_appeal_out_of_the_table(district):
    appeal = replied(district)
    with pytest.raises(TransitionNotAllowedError, match="已答复"):
        services.appeal_accept(appeal=appeal, actor=Actor.automatic("系统"))
    closed = services.appeal_close_unrated(appeal=appeal, actor=Actor.automatic("系统"))
    assert closed.status == Status.CLOSED
    event = AppealEvent.objects.get(appeal=appeal, type=EventType.CLOSED)
    assert events.payload_of(event) == events.Closed(auto_closed=True)
    with pytest.raises(TransitionNotAllowedError):  # closed: nothing more to close
        services.appeal_close_unrated(appeal=appeal, actor=Actor.automatic("系统"))


def test_record_event_refuses_a_bare_event_type_as_older_callers_passed_it(district):
    appeal = dispatched(district)
    with pytest.raises(TypeError, match="ADR 0008"):
        services.record_event(appeal, EventType.CHASED, Actor.staff(district.operator))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ADR 0008"):  # a nested part is not an event
        services.record_event(appeal, events.ReplyQuality(), Actor.staff(district.operator))
    assert not AppealEvent.objects.filter(appeal=appeal, type=EventType.CHASED).exists()
