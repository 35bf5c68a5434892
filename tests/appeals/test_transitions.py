"""Every transition of the appeal state machine, and the refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.models import EventType, ExtensionStatus, Kind, Satisfaction, Status
from lianxin.appeals.policy import TRANSITIONS, Action, allowed_actions, can
from lianxin.core.errors import ForbiddenError, TransitionNotAllowedError, ValidationFailedError
from lianxin.notifications.models import Notification

from .helpers import accepted, closed, dispatched, replied, submit

pytestmark = pytest.mark.django_db


def staff(user):
    return Actor.staff(user)


def last_event(appeal):
    return appeal.events.order_by("-at", "-id").first()


def test_dispatch_sets_deadlines_and_notifies_the_unit_after_commit(
    district, settings, django_capture_on_commit_callbacks
):
    appeal = submit(district, settings=settings)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.appeal_dispatch(
            appeal=appeal, actor=staff(district.dispatcher), unit=district.unit_city.code, note="按目录派单"
        )
        assert not Notification.objects.exists()  # nothing is sent inside the transaction
    assert callbacks
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED
    assert appeal.unit == district.unit_city
    assert appeal.accept_due_at
    assert appeal.resolve_due_at
    assert appeal.accept_due_at < appeal.resolve_due_at
    event = last_event(appeal)
    assert (event.type, event.from_status, event.to_status, event.actor) == (
        EventType.DISPATCHED,
        Status.SUBMITTED,
        Status.DISPATCHED,
        district.dispatcher,
    )
    assert event.data["followed_suggestion"] is True
    assert Notification.objects.filter(user=district.handler_city, kind="dispatched").exists()


def test_dispatch_override_is_recorded(district, settings):
    appeal = submit(district, settings=settings)
    services.appeal_dispatch(appeal=appeal, actor=staff(district.dispatcher), unit=district.unit_env)
    assert last_event(appeal).data["followed_suggestion"] is False


def test_redispatch_before_acceptance_needs_a_reason(district, settings):
    appeal = dispatched(district, settings=settings)
    with pytest.raises(ValidationFailedError) as err:
        services.appeal_redispatch(appeal=appeal, actor=staff(district.dispatcher), unit=district.unit_env)
    assert err.value.field == "note"
    services.appeal_redispatch(
        appeal=appeal, actor=staff(district.dispatcher), unit=district.unit_env, note="属于环保问题"
    )
    appeal.refresh_from_db()
    assert appeal.unit == district.unit_env
    assert appeal.status == Status.DISPATCHED


def test_return_goes_back_to_dispatch_with_reason(district, settings, django_capture_on_commit_callbacks):
    appeal = dispatched(district, settings=settings)
    with pytest.raises(ValidationFailedError):
        services.appeal_return(appeal=appeal, actor=staff(district.handler_city), reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_return(appeal=appeal, actor=staff(district.handler_city), reason="不属于本单位职责")
    appeal.refresh_from_db()
    assert appeal.status == Status.RETURNED
    assert appeal.unit is None
    assert appeal.return_count == 1
    assert last_event(appeal).data["returned_by_unit"] == district.unit_city.pk
    assert Notification.objects.filter(user=district.dispatcher, kind="returned").exists()
    services.appeal_dispatch(appeal=appeal, actor=staff(district.dispatcher), unit=district.unit_env)
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED


def test_co_handlers(district, settings):
    appeal = accepted(district, settings=settings)
    services.appeal_add_co_handler(appeal=appeal, actor=staff(district.handler_city), unit=district.unit_env)
    with pytest.raises(ValidationFailedError):
        services.appeal_add_co_handler(
            appeal=appeal, actor=staff(district.handler_city), unit=district.unit_env
        )
    with pytest.raises(ValidationFailedError):
        services.appeal_add_co_handler(
            appeal=appeal, actor=staff(district.handler_city), unit=district.unit_city
        )
    co = services.appeal_co_reply(appeal=appeal, actor=staff(district.handler_env), text="已配合清理。")
    assert co.replied_at is not None
    with pytest.raises(ForbiddenError):
        services.appeal_co_reply(appeal=appeal, actor=staff(district.handler_city), text="x")


def test_extension_approved_moves_the_deadline_by_working_days(district, settings):
    appeal = accepted(district, settings=settings)
    before = appeal.resolve_due_at
    request = services.appeal_request_extension(
        appeal=appeal, actor=staff(district.handler_city), working_days=3, reason="需要采购配件"
    )
    with pytest.raises(TransitionNotAllowedError):
        services.appeal_request_extension(
            appeal=appeal, actor=staff(district.handler_city), working_days=2, reason="again"
        )
    services.appeal_decide_extension(appeal=appeal, actor=staff(district.dispatcher), approve=True)
    appeal.refresh_from_db()
    request.refresh_from_db()
    assert request.status == ExtensionStatus.APPROVED
    assert appeal.resolve_due_at is not None
    assert before is not None
    assert appeal.resolve_due_at > before + dt.timedelta(days=2)
    assert last_event(appeal).type == EventType.EXTENSION_APPROVED


def test_extension_refused_keeps_the_deadline_and_needs_a_reason(district, settings):
    appeal = accepted(district, settings=settings)
    before = appeal.resolve_due_at
    services.appeal_request_extension(
        appeal=appeal, actor=staff(district.handler_city), working_days=3, reason="需要采购配件"
    )
    with pytest.raises(ValidationFailedError):
        services.appeal_decide_extension(appeal=appeal, actor=staff(district.dispatcher), approve=False)
    services.appeal_decide_extension(
        appeal=appeal, actor=staff(district.supervisor), approve=False, note="三天内可以完成"
    )
    appeal.refresh_from_db()
    assert appeal.resolve_due_at == before


@pytest.mark.parametrize("days", [0, 31, "3"])
def test_extension_days_validated(district, settings, days):
    appeal = accepted(district, settings=settings)
    with pytest.raises(ValidationFailedError) as err:
        services.appeal_request_extension(
            appeal=appeal, actor=staff(district.handler_city), working_days=days, reason="r"
        )
    assert err.value.field == "working_days"


def test_reply_rate_close(district, settings):
    appeal = replied(district, settings=settings)
    assert appeal.status == Status.REPLIED
    assert appeal.reply_text
    with pytest.raises(ValidationFailedError):
        services.appeal_rate(appeal=appeal, actor=Actor.resident(), satisfaction="great", solved=True)
    services.appeal_rate(
        appeal=appeal, actor=Actor.resident(), satisfaction=Satisfaction.BASIC, solved=False, comment="还行"
    )
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
    assert appeal.closed_at
    assert appeal.solved is False


def test_reply_text_limits(district, settings):
    appeal = accepted(district, settings=settings)
    with pytest.raises(ValidationFailedError, match="4000"):
        services.appeal_reply(appeal=appeal, actor=staff(district.handler_city), text="字" * 4001)


def test_reopen_once_after_dissatisfaction(district, settings):
    appeal = closed(district, satisfaction=Satisfaction.DISSATISFIED, solved=False, settings=settings)
    services.appeal_reopen(appeal=appeal, actor=Actor.resident(), reason="路灯又坏了")
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED
    assert appeal.unit == district.unit_city
    assert appeal.reopen_count == 1
    assert appeal.satisfaction == ""
    services.appeal_accept(appeal=appeal, actor=staff(district.handler_city))
    services.appeal_reply(appeal=appeal, actor=staff(district.handler_city), text="已彻底更换线路。")
    services.appeal_rate(
        appeal=appeal, actor=Actor.resident(), satisfaction=Satisfaction.DISSATISFIED, solved=False
    )
    with pytest.raises(TransitionNotAllowedError, match="一次"):
        services.appeal_reopen(appeal=appeal, actor=Actor.resident(), reason="还是不行")


def test_answer_directly_only_for_inquiries(district, settings):
    inquiry = submit(district, settings=settings, kind=Kind.INQUIRY, channel="hotline")
    services.appeal_answer_directly(appeal=inquiry, actor=staff(district.operator), text="办理时间为工作日。")
    inquiry.refresh_from_db()
    assert inquiry.status == Status.CLOSED
    complaint = submit(district, settings=settings)
    with pytest.raises(TransitionNotAllowedError, match="咨询"):
        services.appeal_answer_directly(appeal=complaint, actor=staff(district.operator), text="x")


def test_merge_into_another_appeal(district, settings):
    first = dispatched(district, settings=settings)
    second = submit(district, settings=settings)
    with pytest.raises(ValidationFailedError):
        services.appeal_merge(appeal=second, actor=staff(district.dispatcher), into=second.tracking_number)
    with pytest.raises(ValidationFailedError):
        services.appeal_merge(appeal=second, actor=staff(district.dispatcher), into="LX00000000-000000")
    services.appeal_merge(appeal=second, actor=staff(district.dispatcher), into=first.tracking_number)
    second.refresh_from_db()
    assert second.status == Status.MERGED
    assert second.merged_into == first
    with pytest.raises(TransitionNotAllowedError):
        services.appeal_dispatch(appeal=second, actor=staff(district.dispatcher), unit=district.unit_city)


def test_withdraw_by_resident(district, settings, django_capture_on_commit_callbacks):
    appeal = dispatched(district, settings=settings)
    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_withdraw(appeal=appeal, actor=Actor.resident(), reason="已自行解决")
    appeal.refresh_from_db()
    assert appeal.status == Status.WITHDRAWN
    assert Notification.objects.filter(user=district.handler_city, kind="withdrawn").exists()
    with pytest.raises(TransitionNotAllowedError):
        services.appeal_accept(appeal=appeal, actor=staff(district.handler_city))


@pytest.mark.parametrize(
    ("action", "call"),
    [
        ("accept", lambda d, a: services.appeal_accept(appeal=a, actor=Actor.staff(d.handler_city))),
        ("reply", lambda d, a: services.appeal_reply(appeal=a, actor=Actor.staff(d.handler_city), text="x")),
        (
            "rate",
            lambda d, a: services.appeal_rate(
                appeal=a, actor=Actor.resident(), satisfaction="satisfied", solved=True
            ),
        ),
        ("reopen", lambda d, a: services.appeal_reopen(appeal=a, actor=Actor.resident(), reason="r")),
    ],
)
def test_illegal_transitions_from_submitted_are_refused_clearly(district, settings, action, call):
    appeal = submit(district, settings=settings)
    with pytest.raises(TransitionNotAllowedError) as err:
        call(district, appeal)
    assert "已受理" in err.value.message
    appeal.refresh_from_db()
    assert appeal.status == Status.SUBMITTED


def test_wrong_roles_are_refused(district, settings):
    appeal = dispatched(district, settings=settings)
    with pytest.raises(ForbiddenError):
        services.appeal_accept(appeal=appeal, actor=staff(district.handler_env))
    with pytest.raises(ForbiddenError):
        services.appeal_dispatch(
            appeal=submit(district, settings=settings),
            actor=staff(district.handler_city),
            unit=district.unit_city,
        )
    with pytest.raises(ForbiddenError):
        services.appeal_merge(appeal=appeal, actor=staff(district.operator), into="x")
    other = Actor(user=district.other_resident)
    with pytest.raises(ForbiddenError):
        services.appeal_withdraw(appeal=appeal, actor=other)


def test_allowed_actions_follow_status_and_role(district, settings):
    appeal = dispatched(district, settings=settings)
    assert set(allowed_actions(staff(district.handler_city), appeal)) == {
        Action.ACCEPT,
        Action.RETURN,
        Action.ADD_CO_HANDLER,
        Action.CONTACT_RESIDENT,
    }
    assert allowed_actions(staff(district.handler_env), appeal) == []
    assert Action.REDISPATCH in allowed_actions(staff(district.dispatcher), appeal)


def test_every_action_has_a_transition_rule():
    assert set(TRANSITIONS) == {v for k, v in vars(Action).items() if not k.startswith("_")}


def test_notifications_are_not_sent_when_the_transaction_rolls_back(
    district, settings, django_capture_on_commit_callbacks
):
    from django.db import transaction

    appeal = submit(district, settings=settings)

    def dispatch_then_fail() -> None:
        with transaction.atomic():
            services.appeal_dispatch(appeal=appeal, actor=staff(district.dispatcher), unit=district.unit_city)
            raise RuntimeError("boom")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError, match="boom"):
        dispatch_then_fail()
    assert not Notification.objects.filter(kind="dispatched").exists()
    appeal.refresh_from_db()
    assert appeal.status == Status.SUBMITTED


def test_email_goes_to_unit_staff_with_an_address(district, settings, django_capture_on_commit_callbacks):
    district.handler_city.email = "handler@example.org"
    district.handler_city.save()
    with django_capture_on_commit_callbacks(execute=True):
        dispatched(district, settings=settings)
    assert any("handler@example.org" in m.to for m in mail.outbox)


def test_an_extension_request_is_announced_to_those_who_may_decide_it(
    district, settings, django_capture_on_commit_callbacks
):
    """The district-wide dispatcher, a dispatcher of the appeal's street, the district supervisor;
    not a dispatcher of the other street, nor the other street's leader."""
    from lianxin.org.models import Role
    from tests.factories import staff as staff_user

    east = staff_user(Role.DISPATCHER, area=district.street_a, username="dispatcher_east")
    west = staff_user(Role.DISPATCHER, area=district.street_b, username="dispatcher_west")
    appeal = accepted(district, settings=settings)  # in G1, street A
    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_request_extension(
            appeal=appeal, actor=staff(district.handler_city), working_days=3, reason="需要采购配件"
        )
    told = set(Notification.objects.filter(kind="extension").values_list("user__username", flat=True))
    assert told == {district.dispatcher.username, east.username, district.supervisor.username}
    assert west.username not in told
    assert district.leader_b.username not in told
    for user in (district.dispatcher, east, district.supervisor):
        assert can(Actor.staff(user), appeal, Action.DECIDE_EXTENSION)  # told only those who may decide
