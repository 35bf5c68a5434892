"""Supervision orders (create, respond, close, escalate) and follow-up calls (sampling, results)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from lianxin.appeals.actors import Actor
from lianxin.appeals.models import Status
from lianxin.audit.models import AuditEntry
from lianxin.core.errors import ForbiddenError, TransitionNotAllowedError, ValidationFailedError
from lianxin.notifications.models import Notification
from lianxin.supervision import rollups, services, tasks
from lianxin.supervision.models import (
    AssessmentScheme,
    FollowUp,
    FollowUpReason,
    OrderEventType,
    OrderStatus,
    RaisedWarning,
    WarningRule,
)
from lianxin.supervision.selectors import Period, Slice, kpis, rankings
from tests.factories import AppealFactory

from .conftest import History, at


@pytest.fixture
def warning(district):
    appeal = AppealFactory(status=Status.ACCEPTED, unit=district.unit_city, area=district.grid_a)
    return RaisedWarning.objects.create(
        rule=WarningRule.objects.get(kind="appeal_overdue"),
        subject_key=f"appeal:{appeal.pk}",
        appeal=appeal,
        unit=district.unit_city,
        message="超期",
        raised_at=timezone.now(),
    )


def create(district, warning, **kw):
    args: dict[str, Any] = {
        "title": "请尽快办理",
        "instructions": "三日内反馈办理情况",
        "due_working_days": 3,
        "unit": None,
    }
    args.update(kw)
    return services.order_create(actor=Actor.staff(district.supervisor), warning=warning, **args)


def test_order_lifecycle(district, warning, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = create(district, warning)
    assert order.unit == district.unit_city
    assert order.appeal == warning.appeal
    assert order.number.startswith("DB")
    assert order.status == OrderStatus.OPEN
    assert order.due_at > timezone.now()
    assert Notification.objects.filter(user=district.handler_city).exists()
    services.order_respond(order=order, actor=Actor.staff(district.handler_city), text="已修复路灯")
    order.refresh_from_db()
    assert order.status == OrderStatus.RESPONDED
    assert order.response_text == "已修复路灯"
    services.order_close(order=order, actor=Actor.staff(district.supervisor), note="核实无误")
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    assert list(order.events.values_list("type", flat=True)) == ["created", "responded", "closed"]
    assert AuditEntry.objects.filter(object_type="supervision_order", object_id=order.number).count() == 3


def test_order_refusals_and_bad_input(district, warning):
    with pytest.raises(ValidationFailedError) as e:
        create(district, warning, due_working_days=0)
    assert e.value.field == "due_working_days"
    with pytest.raises(ValidationFailedError) as e:
        create(district, warning, title="  ")
    assert e.value.field == "title"
    with pytest.raises(ForbiddenError):
        services.order_create(
            actor=Actor.staff(district.grid_worker_a),
            warning=warning,
            unit=None,
            title="x",
            instructions="y",
            due_working_days=2,
        )
    with pytest.raises(ForbiddenError):  # leader of street B: appeal in street A, unit at district level
        services.order_create(
            actor=Actor.staff(district.leader_b),
            warning=warning,
            unit=None,
            title="x",
            instructions="y",
            due_working_days=2,
        )
    order = create(district, warning)
    with pytest.raises(ForbiddenError):
        services.order_respond(order=order, actor=Actor.staff(district.handler_env), text="不是我们")
    with pytest.raises(TransitionNotAllowedError):
        services.order_close(order=order, actor=Actor.staff(district.supervisor))
    with pytest.raises(ValidationFailedError):
        services.order_respond(order=order, actor=Actor.staff(district.handler_city), text="")


def test_missed_order_escalates_to_the_leader(district, warning, django_capture_on_commit_callbacks):
    order = create(district, warning, due_working_days=1)
    assert tasks.refresh(order.due_at - dt.timedelta(minutes=1))["orders_escalated"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        report = tasks.refresh(order.due_at + dt.timedelta(minutes=1))
    assert report["orders_escalated"] == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.ESCALATED
    assert order.escalated_at is not None
    assert order.events.filter(type=OrderEventType.ESCALATED).count() == 1
    assert Notification.objects.filter(user=district.leader_b, kind="supervision_escalated").exists()
    assert tasks.refresh(order.due_at + dt.timedelta(days=1))["orders_escalated"] == 0  # only once
    services.order_respond(order=order, actor=Actor.staff(district.handler_city), text="迟到的反馈")
    order.refresh_from_db()
    assert order.status == OrderStatus.RESPONDED


def _closed(district, when, satisfaction, solved=True):
    h = History(area=district.grid_a, category=district.cat_light, submitted=when - dt.timedelta(hours=6))
    h.dispatch(when - dt.timedelta(hours=5), district.unit_city)
    h.accept(when - dt.timedelta(hours=4), district.unit_city)
    h.reply(when - dt.timedelta(hours=3), district.unit_city)
    h.rate(when, district.unit_city, satisfaction, solved)
    return h.appeal


def test_follow_up_sampling_is_reproducible_and_never_doubles(district):
    AssessmentScheme.objects.update(follow_up_sample_percent=Decimal("30"))
    when = at("2026-05-06 10:00")
    appeals = [_closed(district, when, "satisfied") for _ in range(30)]
    unhappy = _closed(district, when, "dissatisfied", solved=False)
    rollups.process_events(settle_seconds=0)
    sampled = set(FollowUp.objects.values_list("appeal_id", flat=True))
    assert unhappy.pk in sampled
    assert FollowUp.objects.get(appeal=unhappy).reason == FollowUpReason.DISSATISFIED
    assert 2 <= len(sampled & {a.pk for a in appeals}) <= 20
    expected = {
        a.pk for a in appeals if rollups.sample_hit(a.pk, a.events.get(type="rated").pk, Decimal("30"))
    }
    assert sampled - {unhappy.pk} == expected
    rollups.rebuild(settle_seconds=0)
    rollups.process_events(settle_seconds=0)
    assert set(FollowUp.objects.values_list("appeal_id", flat=True)) == sampled


def test_false_closure_counts_against_the_unit(district):
    AssessmentScheme.objects.update(follow_up_sample_percent=Decimal("0"))
    when = at("2026-05-06 10:00")
    good = _closed(district, when, "satisfied")
    bad = _closed(district, when, "dissatisfied")
    rollups.process_events(settle_seconds=0)
    follow_up = FollowUp.objects.get()
    assert follow_up.appeal == bad
    assert follow_up.unit == district.unit_city
    assert not FollowUp.objects.filter(appeal=good).exists()
    services.follow_up_record(
        follow_up=follow_up,
        actor=Actor.staff(district.supervisor),
        reached=True,
        really_solved=False,
        satisfied=False,
        pressured=True,
        note="路灯仍不亮",
    )
    follow_up.refresh_from_db()
    assert follow_up.false_closure
    assert follow_up.status == "done"
    period = Period.containing(timezone.now().date())
    assert kpis(period, Slice().narrow(unit=district.unit_city)).false_closures == 1
    with pytest.raises(TransitionNotAllowedError):
        services.follow_up_record(follow_up=follow_up, actor=Actor.staff(district.supervisor), reached=False)


def test_follow_up_result_validation_and_access(district):
    bad = _closed(district, at("2026-05-06 10:00"), "dissatisfied")
    rollups.process_events(settle_seconds=0)
    follow_up = FollowUp.objects.get(appeal=bad)
    with pytest.raises(ValidationFailedError) as e:
        services.follow_up_record(follow_up=follow_up, actor=Actor.staff(district.supervisor), reached=True)
    assert e.value.field == "really_solved"
    with pytest.raises(ForbiddenError):
        services.follow_up_record(follow_up=follow_up, actor=Actor.staff(district.leader_b), reached=False)
    with pytest.raises(ForbiddenError):
        services.follow_up_contact(follow_up=follow_up, actor=Actor.staff(district.handler_city))
    contact = services.follow_up_contact(follow_up=follow_up, actor=Actor.staff(district.supervisor))
    assert contact.phone == "13812341234"
    assert not contact.masked
    entry = AuditEntry.objects.filter(action="personal_data_view", object_id=bad.tracking_number).get()
    assert entry.data["purpose"] == "follow_up"


def test_deductions_move_the_ranking(district):
    month = Period.month(2026, 5)
    for unit, handler in (
        (district.unit_city, district.handler_city),
        (district.unit_env, district.handler_env),
    ):
        h = History(area=district.grid_a, category=district.cat_light, submitted=at("2026-05-06 09:00"))
        h.dispatch(at("2026-05-06 09:10"), unit)
        h.accept(at("2026-05-06 09:20"), unit, by=handler)
        h.reply(at("2026-05-06 12:00"), unit, by=handler)
        h.rate(at("2026-05-07 12:00"), unit, "satisfied", True)
    rollups.process_events(settle_seconds=0)
    rows = rankings(month, by="unit")
    assert [r.score.value for r in rows] == [100.0, 100.0]
    assert [r.rank for r in rows] == [1, 1]
    h = History(area=district.grid_a, category=district.cat_light, submitted=at("2026-05-08 09:00"))
    h.dispatch(at("2026-05-08 09:10"), district.unit_env)
    h.event(
        "resident_contacted", at("2026-05-08 10:00"), unit=district.unit_env
    )  # responded: only the deduction
    h.event("overdue", at("2026-05-15 18:01"), unit=district.unit_env, data={"resolve_due_at": None})
    rollups.process_events(settle_seconds=0)
    rows = rankings(month, by="unit")
    assert [(r.label, r.rank, r.score.value) for r in rows] == [("城管局", 1, 100.0), ("生态环境局", 2, 99.5)]
    june = rankings(Period.month(2026, 6), by="unit")
    assert june == []


def test_ranking_change_from_the_month_before(district):
    def handled(unit, day, satisfaction):
        h = History(area=district.grid_b, category=district.cat_env, submitted=at(f"{day} 09:00"))
        h.dispatch(at(f"{day} 09:05"), unit).accept(at(f"{day} 09:10"), unit).reply(at(f"{day} 11:00"), unit)
        h.rate(at(f"{day} 15:00"), unit, satisfaction, satisfaction != "dissatisfied")

    handled(district.unit_city, "2026-04-08", "satisfied")
    handled(district.unit_env, "2026-04-08", "dissatisfied")
    handled(district.unit_city, "2026-05-08", "dissatisfied")
    handled(district.unit_env, "2026-05-08", "satisfied")
    rollups.process_events(settle_seconds=0)
    rows = {r.label: r for r in rankings(Period.month(2026, 5), by="unit")}
    env, city = rows["生态环境局"], rows["城管局"]
    assert (env.rank, env.previous_rank, env.rank_change) == (1, 2, 1)
    assert (city.rank, city.previous_rank, city.rank_change) == (2, 1, -1)
    assert env.score.value == 100.0
    assert city.score.value == 30.0
    assert city.score_change == -70.0
    streets = rankings(Period.month(2026, 5), by="street")
    assert [(r.label, r.rank) for r in streets] == [("西街道", 1)]


def test_a_quarter_ranks_by_the_whole_quarter(district):
    """Issue 16: a quarter ranks by its three months, not by its last month only. The city unit
    did well in April and May and badly in June; the environment unit the other way round."""

    def handled(unit, day, satisfaction):
        h = History(area=district.grid_b, category=district.cat_env, submitted=at(f"{day} 09:00"))
        h.dispatch(at(f"{day} 09:05"), unit).accept(at(f"{day} 09:10"), unit).reply(at(f"{day} 11:00"), unit)
        h.rate(at(f"{day} 15:00"), unit, satisfaction, satisfaction != "dissatisfied")

    for day in ("2026-04-08", "2026-05-08"):
        handled(district.unit_city, day, "satisfied")
        handled(district.unit_env, day, "dissatisfied")
    handled(district.unit_city, "2026-06-08", "dissatisfied")
    handled(district.unit_env, "2026-06-08", "satisfied")
    rollups.process_events(settle_seconds=0)
    june = {r.label: r.rank for r in rankings(Period.month(2026, 6), by="unit")}
    quarter = {r.label: r for r in rankings(Period.parse("2026-Q2"), by="unit")}
    assert june == {"生态环境局": 1, "城管局": 2}
    assert (quarter["城管局"].rank, quarter["生态环境局"].rank) == (1, 2)
    assert quarter["城管局"].figures.assigned == 3  # the whole quarter's appeals
    with pytest.raises(ValidationFailedError):
        rankings(Period.parse("2026-06-01..2026-06-15"), by="unit")
