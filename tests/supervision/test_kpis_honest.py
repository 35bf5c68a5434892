"""KPIs that can't be gamed (docs/kpis.md): the response rate counts every assignment, a response is
the first contact with the resident, returns are judged by the centre, auto-closed appeals are
counted apart. Rules on hand-built histories; the two new actions through the real services."""

from __future__ import annotations

import pytest

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.intake import AppealInput, appeal_submit
from lianxin.appeals.models import AppealEvent, EventType, Status
from lianxin.core.errors import ForbiddenError, TransitionNotAllowedError, ValidationFailedError
from lianxin.supervision import rollups
from lianxin.supervision.selectors import Period, Slice, breakdown, kpis, score_of
from lianxin.supervision.selectors.schemes import scheme_for

from .conftest import History, at

MAY = Period.month(2026, 5)


def _new(d, when: str = "2026-05-06 09:00") -> History:
    return History(area=d.grid_a, category=d.cat_light, submitted=at(when))


def _unit(d, unit):
    return kpis(MAY, Slice().narrow(unit=unit))


def test_never_accepting_counts_against_the_unit(district):
    d = district
    _new(d).dispatch(at("2026-05-06 09:10"), d.unit_env)  # never touched
    h = _new(d).dispatch(at("2026-05-06 09:10"), d.unit_env)
    h.accept(at("2026-05-06 09:20"), d.unit_env)
    h.event(EventType.RESIDENT_CONTACTED, at("2026-05-06 11:00"), unit=d.unit_env, actor=d.handler_env)
    rollups.process_events(settle_seconds=0)
    env = _unit(d, d.unit_env)
    assert (env.assigned, env.responded, env.responded_on_time) == (2, 1, 1)
    assert env.response_rate == pytest.approx(1 / 2)  # the old rule (on time / accepted) said 100 %
    assert env.accept_on_time_rate == 1.0


def test_response_is_the_first_contact_not_the_acceptance(district):
    d = district
    late = _new(d).dispatch(at("2026-05-06 09:10"), d.unit_city)  # a Wednesday: due Thursday 18:00
    late.accept(at("2026-05-06 09:15"), d.unit_city)  # accepting at once is not a response
    late.event(EventType.RESIDENT_CONTACTED, at("2026-05-08 09:00"), unit=d.unit_city)  # Friday: late
    late.event(
        EventType.RESIDENT_CONTACTED, at("2026-05-08 10:00"), unit=d.unit_city
    )  # a second call adds nothing
    late.reply(at("2026-05-08 12:00"), d.unit_city)
    replied = _new(d).dispatch(at("2026-05-06 09:10"), d.unit_city)
    replied.accept(at("2026-05-06 09:20"), d.unit_city)
    replied.reply(at("2026-05-07 17:00"), d.unit_city)  # no contact recorded: the reply is the first contact
    rollups.process_events(settle_seconds=0)
    city = _unit(d, d.unit_city)
    assert (city.assigned, city.responded, city.responded_on_time, city.replied) == (2, 2, 1, 2)
    assert city.response_rate == pytest.approx(1 / 2)


def test_a_reopening_is_not_a_new_assignment(district):
    d = district
    h = _new(d).dispatch(at("2026-05-06 09:10"), d.unit_city)
    h.accept(at("2026-05-06 09:20"), d.unit_city).reply(at("2026-05-06 12:00"), d.unit_city)
    h.rate(at("2026-05-07 09:00"), d.unit_city, "dissatisfied", False)
    h.event(EventType.REOPENED, at("2026-05-07 10:00"), to=Status.DISPATCHED, unit=d.unit_city)
    h.accept(at("2026-05-07 11:00"), d.unit_city).reply(at("2026-05-12 12:00"), d.unit_city)
    rollups.process_events(settle_seconds=0)
    city = _unit(d, d.unit_city)
    assert (city.assigned, city.responded, city.responded_on_time) == (1, 1, 1)
    assert city.response_rate == 1.0


def test_assignments_ended_by_the_centre_or_the_resident_are_excused(district):
    d = district
    moved = _new(d).dispatch(at("2026-05-06 09:10"), d.unit_env)
    moved.event(EventType.REDISPATCHED, at("2026-05-06 10:00"), to=Status.DISPATCHED, unit=d.unit_city)
    moved.event(EventType.RESIDENT_CONTACTED, at("2026-05-06 11:00"), unit=d.unit_city)
    _new(d).dispatch(at("2026-05-06 09:10"), d.unit_env).event(
        EventType.WITHDRAWN, at("2026-05-06 09:30"), to=Status.WITHDRAWN
    )
    merged = _new(d).dispatch(at("2026-05-06 09:10"), d.unit_env)
    merged.event(EventType.RESIDENT_CONTACTED, at("2026-05-06 09:20"), unit=d.unit_env)
    merged.event(EventType.MERGED, at("2026-05-06 09:30"), to=Status.MERGED)  # responded first: not excused
    rollups.process_events(settle_seconds=0)
    env, city = _unit(d, d.unit_env), _unit(d, d.unit_city)
    assert (env.assigned, env.response_excused, env.responded_on_time) == (3, 2, 1)
    assert env.response_rate == 1.0
    assert (city.assigned, city.response_excused, city.response_rate) == (1, 0, 1.0)


def _returned(d, *, contact_first: bool = False) -> tuple[History, AppealEvent]:
    h = _new(d).dispatch(at("2026-05-06 09:10"), d.unit_env)
    if contact_first:
        h.event(EventType.RESIDENT_CONTACTED, at("2026-05-06 09:30"), unit=d.unit_env)
    returned = h.event(
        EventType.RETURNED, at("2026-05-06 10:00"), to=Status.RETURNED, unit=d.unit_env, actor=d.handler_env
    )
    return h, returned


def _judge(h: History, returned: AppealEvent, d, justified: bool, when: str = "2026-05-07 09:00") -> None:
    h.event(
        EventType.RETURN_JUDGED,
        at(when),
        unit=returned.unit,
        actor=d.dispatcher,
        data={"return_event": returned.pk, "justified": justified, "returned_by": returned.actor_id},
    )


def test_return_judgements(district):
    d = district
    h1, r1 = _returned(d)
    _judge(h1, r1, d, justified=False)
    h2, r2 = _returned(d)
    _judge(h2, r2, d, justified=True)
    _returned(d)  # not judged yet: an unanswered assignment, against the unit
    rollups.process_events(settle_seconds=0)
    env = _unit(d, d.unit_env)
    assert (env.assigned, env.returned, env.returned_unjustified, env.returned_justified) == (3, 3, 1, 1)
    assert env.response_excused == 1  # only the justified one
    assert env.response_rate == 0.0  # 0 of the 2 assignments that were not excused
    assert env.unjustified_return_rate == pytest.approx(1 / 3)
    # the score loses the scheme's deduction per unjustified return (default 1 point)
    scheme = scheme_for(MAY.start)
    assert score_of(env, scheme).deductions == pytest.approx(float(scheme.deduction_per_unjustified_return))
    # cadre figures carry the returns and the unjustified ones of the handler who returned
    cadre = {row.key: row.figures for row in breakdown(MAY, Slice().narrow(unit=d.unit_env), by="cadre")}
    assert (cadre[d.handler_env.pk].returned, cadre[d.handler_env.pk].returned_unjustified) == (3, 1)


def test_a_justified_return_after_a_contact_excuses_nothing(district):
    d = district
    h, r = _returned(d, contact_first=True)
    _judge(h, r, d, justified=True)
    rollups.process_events(settle_seconds=0)
    env = _unit(d, d.unit_env)
    assert (env.responded_on_time, env.response_excused, env.returned_justified, env.response_rate) == (
        1,
        0,
        1,
        1.0,
    )


def test_auto_closed_is_counted_apart_and_not_as_satisfied(district):
    d = district
    rated = _new(d).dispatch(at("2026-05-06 09:10"), d.unit_city)
    rated.accept(at("2026-05-06 09:20"), d.unit_city).reply(at("2026-05-06 12:00"), d.unit_city)
    rated.rate(at("2026-05-07 09:00"), d.unit_city, "satisfied", True)
    auto = _new(d).dispatch(at("2026-05-06 09:10"), d.unit_city)
    auto.accept(at("2026-05-06 09:20"), d.unit_city).reply(at("2026-05-06 12:00"), d.unit_city)
    auto.event(EventType.CLOSED, at("2026-05-14 09:00"), to=Status.CLOSED)
    rollups.process_events(settle_seconds=0)
    city = _unit(d, d.unit_city)
    assert (city.closed, city.auto_closed, city.rated, city.satisfied) == (2, 1, 1, 1)
    assert city.satisfaction_rate == 1.0
    assert city.auto_close_rate == pytest.approx(1 / 2)


def test_incremental_equals_rebuild_with_the_new_events(district):
    d = district
    h1, r1 = _returned(d)
    rollups.process_events(settle_seconds=0)  # the judgement comes in a later batch than its return
    _judge(h1, r1, d, justified=True)
    h2 = _new(d).dispatch(at("2026-05-06 09:10"), d.unit_env)
    h2.event(EventType.REDISPATCHED, at("2026-05-06 10:00"), to=Status.DISPATCHED, unit=d.unit_city)
    rollups.process_events(settle_seconds=0)
    before = kpis(MAY).counters
    rollups.rebuild(settle_seconds=0)
    assert kpis(MAY).counters == before
    assert (before["response_excused"], before["returned_justified"]) == (2, 1)


# --- the two actions, through the services ------------------------------------------------------


@pytest.fixture
def live(district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    data = AppealInput(
        text="东街道幸福小区3栋门口路灯坏了一个多月，晚上很黑，希望尽快修好。",
        category_code="CJ-LD",
        area_code="G1",
        contact_name="张三",
        contact_phone="13812341234",
        contact_consent=True,
    )
    appeal = appeal_submit(data=data, actor=Actor.resident()).appeal
    services.appeal_dispatch(appeal=appeal, actor=Actor.staff(district.dispatcher), unit=district.unit_env)
    return appeal


def test_the_unit_records_a_contact(live, district):
    d = district
    with pytest.raises(ForbiddenError):
        services.appeal_record_contact(appeal=live, actor=Actor.staff(d.handler_city))  # not their unit
    with pytest.raises(ForbiddenError):
        services.appeal_record_contact(appeal=live, actor=Actor.staff(d.dispatcher))
    with pytest.raises(ValidationFailedError) as error:
        services.appeal_record_contact(appeal=live, actor=Actor.staff(d.handler_env), method="pigeon")
    assert error.value.field == "method"
    event = services.appeal_record_contact(
        appeal=live, actor=Actor.staff(d.handler_env), method="visit", note="上门查看，已约定维修时间"
    )
    assert (event.type, event.unit_id, event.public, event.data) == (
        EventType.RESIDENT_CONTACTED,
        d.unit_env.pk,
        False,
        {"method": "visit"},
    )
    services.appeal_return(appeal=live, actor=Actor.staff(d.handler_env), reason="不属于本单位职责")
    with pytest.raises(TransitionNotAllowedError):  # returned: nobody holds it
        services.appeal_record_contact(appeal=live, actor=Actor.staff(d.handler_env))


def test_the_centre_judges_a_return_once(live, district):
    d = district
    with pytest.raises(TransitionNotAllowedError):  # nothing returned yet
        services.appeal_judge_return(appeal=live, actor=Actor.staff(d.dispatcher), justified=True)
    services.appeal_return(appeal=live, actor=Actor.staff(d.handler_env), reason="不属于本单位职责")
    for who in (d.handler_env, d.supervisor, d.operator):
        with pytest.raises(ForbiddenError):
            services.appeal_judge_return(appeal=live, actor=Actor.staff(who), justified=True)
    with pytest.raises(ValidationFailedError) as error:  # unjustified needs a reason
        services.appeal_judge_return(appeal=live, actor=Actor.staff(d.dispatcher), justified=False)
    assert error.value.field == "note"
    services.appeal_dispatch(appeal=live, actor=Actor.staff(d.dispatcher), unit=d.unit_city)  # judged later
    event = services.appeal_judge_return(
        appeal=live, actor=Actor.staff(d.dispatcher), justified=False, note="路灯属于该单位管养范围"
    )
    returned = live.events.get(type=EventType.RETURNED)
    assert event.unit_id == d.unit_env.pk
    assert event.data == {"return_event": returned.pk, "justified": False, "returned_by": d.handler_env.pk}
    with pytest.raises(TransitionNotAllowedError):
        services.appeal_judge_return(appeal=live, actor=Actor.staff(d.dispatcher), justified=True)
    rollups.process_events(settle_seconds=0)
    env = kpis(Period.containing(returned.at.date()), Slice().narrow(unit=d.unit_env))
    assert (env.returned, env.returned_unjustified) == (1, 1)
