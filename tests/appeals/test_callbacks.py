"""Call-back (回访) after a reply: the operator's record counts as the resident's rating."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.models import Appeal, AppealEvent, EventType, Status
from lianxin.appeals.sweeps import sweep_deadlines
from lianxin.core.errors import ForbiddenError, TransitionNotAllowedError, ValidationFailedError
from tests.appeals.helpers import closed, replied

pytestmark = pytest.mark.django_db


def _call(district, appeal, **kw):
    return services.appeal_callback_record(appeal=appeal, actor=Actor.staff(district.operator), **kw)


def test_a_reached_resident_rates_through_the_operator(district, settings):
    appeal = replied(district, settings=settings)
    appeal = _call(
        district, appeal, outcome="reached", satisfaction="basic", solved=False, note="说还要再看看"
    )
    assert appeal.status == Status.CLOSED
    assert appeal.satisfaction == "basic"
    assert appeal.solved is False
    rated = AppealEvent.objects.get(appeal=appeal, type=EventType.RATED)
    assert rated.data == {"satisfaction": "basic", "solved": False, "via": "callback"}
    assert rated.actor == district.operator
    assert (
        AppealEvent.objects.filter(
            appeal=appeal, type=EventType.CALLBACK_ATTEMPTED, data__outcome="reached"
        ).count()
        == 1
    )


def test_the_operator_reopens_on_the_residents_behalf(district, settings):
    appeal = replied(district, settings=settings)
    appeal = _call(
        district,
        appeal,
        outcome="reached",
        satisfaction="dissatisfied",
        solved=False,
        reopen_reason="路灯还是不亮",
    )
    assert appeal.status == Status.DISPATCHED
    assert appeal.reopen_count == 1
    assert AppealEvent.objects.get(appeal=appeal, type=EventType.REOPENED).data["via"] == "callback"


def test_a_refused_reopening_records_nothing(district, settings):
    appeal = replied(district, settings=settings)
    Appeal.objects.filter(pk=appeal.pk).update(reopen_count=1)
    with pytest.raises(TransitionNotAllowedError):
        _call(district, appeal, outcome="reached", satisfaction="dissatisfied", reopen_reason="还是不行")
    appeal.refresh_from_db()
    assert appeal.status == Status.REPLIED
    assert not AppealEvent.objects.filter(
        appeal=appeal, type__in=[EventType.RATED, EventType.CALLBACK_ATTEMPTED]
    ).exists()


def test_unreachable_after_the_configured_attempts_closes_unrated(district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "CALLBACK_MAX_ATTEMPTS": 2}
    appeal = replied(district, settings=settings)
    appeal = _call(district, appeal, outcome="no_answer")
    assert appeal.status == Status.REPLIED
    appeal = _call(district, appeal, outcome="no_answer", note="关机")
    assert appeal.status == Status.CLOSED
    assert appeal.satisfaction == ""
    closing = AppealEvent.objects.get(appeal=appeal, type=EventType.CLOSED)
    assert closing.data["callback_unreachable"] is True
    assert closing.data["attempts"] == 2
    attempts = AppealEvent.objects.filter(appeal=appeal, type=EventType.CALLBACK_ATTEMPTED)
    assert [e.data["attempt"] for e in attempts] == [1, 2]


@pytest.mark.parametrize("who", ["handler_city", "supervisor"])
def test_only_the_centre_calls_back(district, settings, who):
    appeal = replied(district, settings=settings)
    with pytest.raises(ForbiddenError):
        services.appeal_callback_record(
            appeal=appeal,
            actor=Actor.staff(getattr(district, who)),
            outcome="reached",
            satisfaction="satisfied",
        )
    with pytest.raises(ForbiddenError):  # nor may they rate "on behalf"
        services.appeal_rate(
            appeal=appeal,
            actor=Actor.on_behalf(getattr(district, who)),
            satisfaction="satisfied",
            solved=True,
        )


def test_already_rated_and_bad_input_are_refused(district, settings):
    appeal = closed(district, settings=settings)
    with pytest.raises(TransitionNotAllowedError):
        _call(district, appeal, outcome="reached", satisfaction="satisfied")
    fresh = replied(district, settings=settings)
    with pytest.raises(ValidationFailedError):
        _call(district, fresh, outcome="maybe")
    with pytest.raises(ValidationFailedError):
        _call(district, fresh, outcome="reached")
    with pytest.raises(ValidationFailedError):
        _call(district, fresh, outcome="reached", satisfaction="great")


def test_unrated_replies_are_queued_before_they_auto_close(district, settings):
    appeal = replied(district, settings=settings)
    Appeal.objects.filter(pk=appeal.pk).update(replied_at=timezone.now() - dt.timedelta(days=4))
    counts = sweep_deadlines()
    assert counts["callback_queued"] == 1
    assert counts["auto_closed"] == 0
    assert sweep_deadlines()["callback_queued"] == 0  # once per reply
    Appeal.objects.filter(pk=appeal.pk).update(replied_at=timezone.now() - dt.timedelta(days=8))
    AppealEvent.objects.filter(appeal=appeal, type=EventType.CALLBACK_QUEUED).update(
        at=timezone.now() - dt.timedelta(days=5)
    )
    assert sweep_deadlines()["auto_closed"] == 1
    closing = AppealEvent.objects.get(appeal=appeal, type=EventType.CLOSED)
    assert closing.data == {"auto_closed": True}


def test_the_queue_page_and_the_case_page_record_a_call_back(district, settings, client):
    older = replied(district, settings=settings)
    newer = replied(district, settings=settings)
    Appeal.objects.filter(pk=older.pk).update(replied_at=timezone.now() - dt.timedelta(days=2))
    client.force_login(district.operator)
    page = client.get("/staff/callbacks/").content.decode()
    assert page.index(older.tracking_number) < page.index(newer.tracking_number)
    response = client.post(
        f"/staff/appeals/{older.pk}/act/callback/",
        {
            "callback-outcome": "reached",
            "callback-satisfaction": "satisfied",
            "callback-solved": "yes",
            "callback-note": "群众表示满意",
        },
    )
    assert response.status_code == 302
    older.refresh_from_db()
    assert older.status == Status.CLOSED
    assert older.satisfaction == "satisfied"
    assert older.solved is True
    assert older.tracking_number not in client.get("/staff/callbacks/").content.decode()
    bad = client.post(f"/staff/appeals/{newer.pk}/act/callback/", {"callback-outcome": "reached"})
    assert bad.status_code == 400
    assert "满意" in bad.content.decode()


def test_the_queue_page_refuses_handlers(district, settings, client):
    client.force_login(district.handler_city)
    assert client.get("/staff/callbacks/").status_code == 403
