"""Follow-up checks (回访抽查) feed the rates (docs/kpis.md, "Follow-up checks"): a check that reached
the resident supersedes the appeal's closing rating in the period of the check; an appeal closed
without a rating gets the check as its rating; an unanswered check changes nothing. The incremental
fold and a rebuild agree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from lianxin.appeals.actors import Actor
from lianxin.appeals.models import AppealEvent, EventType, Status
from lianxin.supervision import rollups, services
from lianxin.supervision.models import AssessmentScheme, FollowUp
from lianxin.supervision.selectors import Period, Slice, kpis

from .conftest import History

pytestmark = pytest.mark.django_db


def _history(district, hours_ago: int = 8) -> History:
    when = timezone.now() - dt.timedelta(hours=hours_ago)
    h = History(area=district.grid_a, category=district.cat_light, submitted=when)
    h.dispatch(when + dt.timedelta(minutes=10), district.unit_city)
    h.accept(when + dt.timedelta(minutes=20), district.unit_city)
    h.reply(when + dt.timedelta(hours=1), district.unit_city, by=district.handler_city)
    return h


def _rated(district, satisfaction: str, solved: bool | None) -> History:
    h = _history(district)
    h.rate(timezone.now() - dt.timedelta(hours=5), district.unit_city, satisfaction, solved)
    return h


def _auto_closed(district) -> History:
    h = _history(district)
    h.event(
        EventType.CLOSED, timezone.now() - dt.timedelta(hours=5), to=Status.CLOSED, data={"auto_closed": True}
    )
    return h


def _check(district, h: History, **answers):
    rollups.process_events(settle_seconds=0)  # samples the closings (100 %)
    follow_up = FollowUp.objects.get(appeal=h.appeal)
    services.follow_up_record(follow_up=follow_up, actor=Actor.staff(district.supervisor), **answers)
    rollups.process_events(settle_seconds=0)


def _city(district):
    return kpis(Period.containing(timezone.localdate()), Slice().narrow(unit=district.unit_city))


@pytest.fixture(autouse=True)
def _sample_everything(district):
    AssessmentScheme.objects.update(follow_up_sample_percent=Decimal("100"))


def _counts(f) -> tuple[int, ...]:
    return (f.rated, f.satisfied, f.basic, f.dissatisfied, f.solved_known, f.solved)


def test_a_check_that_contradicts_the_rating_supersedes_it(district):
    h = _rated(district, "satisfied", True)
    rollups.process_events(settle_seconds=0)
    assert _counts(_city(district)) == (1, 1, 0, 0, 1, 1)
    _check(district, h, reached=True, really_solved=False, satisfied=False, note="路灯仍不亮")
    city = _city(district)
    assert _counts(city) == (1, 0, 0, 1, 1, 0)  # still one rating: the check's answer
    assert city.satisfaction_rate == 0
    assert city.resolution_rate == 0
    assert city.false_closures == 1
    event = AppealEvent.objects.get(appeal=h.appeal, type=EventType.FOLLOW_UP_CHECKED)
    assert event.data["really_solved"] is False
    assert event.public is False
    assert event.unit_id == district.unit_city.pk
    rollups.rebuild(settle_seconds=0)
    assert _counts(_city(district)) == (1, 0, 0, 1, 1, 0)


def test_a_check_that_confirms_the_rating_changes_nothing(district):
    h = _rated(district, "basic", None)  # "solved?" not answered by the resident
    _check(district, h, reached=True, really_solved=True, satisfied=True)
    assert _counts(_city(district)) == (1, 0, 1, 0, 1, 1)  # basic stays basic; the check answers "solved?"


def test_a_dissatisfied_rating_the_check_finds_satisfied_moves_up(district):
    h = _rated(district, "dissatisfied", False)
    _check(district, h, reached=True, really_solved=True, satisfied=True)
    city = _city(district)
    assert _counts(city) == (1, 1, 0, 0, 1, 1)
    assert city.false_closures == 0


def test_an_auto_closed_appeal_gets_the_check_as_its_rating(district):
    h = _auto_closed(district)
    rollups.process_events(settle_seconds=0)
    assert _counts(_city(district)) == (0, 0, 0, 0, 0, 0)
    _check(district, h, reached=True, really_solved=True, satisfied=True)
    city = _city(district)
    assert _counts(city) == (1, 1, 0, 0, 1, 1)
    assert city.auto_closed == 1
    assert city.closed == 1


def test_satisfaction_not_asked_adds_no_rating(district):
    h = _auto_closed(district)
    _check(district, h, reached=True, really_solved=False)
    assert _counts(_city(district)) == (0, 0, 0, 0, 1, 0)


def test_an_unanswered_check_changes_nothing(district):
    h = _rated(district, "satisfied", True)
    _check(district, h, reached=False)
    assert _counts(_city(district)) == (1, 1, 0, 0, 1, 1)
    assert not AppealEvent.objects.filter(appeal=h.appeal, type=EventType.FOLLOW_UP_CHECKED).exists()
