"""The "extensions" queue (待审批延期): accepted appeals whose extension request awaits a decision,
for exactly the users who may decide it (policy: DECIDE_EXTENSION), nearest deadline first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.appeals import deadlines, services
from lianxin.appeals.actors import Actor
from lianxin.appeals.models import Appeal
from lianxin.appeals.policy import Action, can
from lianxin.appeals.selectors import pending_extensions, queue
from lianxin.org.models import Role
from tests.factories import staff

from .helpers import accepted, submit

pytestmark = pytest.mark.django_db


def _request(district, appeal: Appeal, *, days: int = 3, reason: str = "需要采购配件", handler=None) -> None:
    services.appeal_request_extension(
        appeal=appeal, actor=Actor.staff(handler or district.handler_city), working_days=days, reason=reason
    )


@pytest.fixture
def appeals(district, settings):
    """pending_a: street A (G1), city unit, request pending. pending_b: street B (G2), env unit,
    request pending. approved, refused: street A, request decided. plain: accepted, no request.
    stale: request pending, then returned by its unit (no longer decidable)."""
    out = {}
    out["pending_a"] = accepted(district, settings=settings)
    _request(district, out["pending_a"])
    b = _accepted_by_env(district, settings)
    _request(district, b, handler=district.handler_env)
    out["pending_b"] = b
    for name, approve in (("approved", True), ("refused", False)):
        appeal = accepted(district, settings=settings)
        _request(district, appeal)
        services.appeal_decide_extension(
            appeal=appeal,
            actor=Actor.staff(district.dispatcher),
            approve=approve,
            note="" if approve else "理由不充分，请按期办结。",
        )
        out[name] = appeal
    out["plain"] = accepted(district, settings=settings)
    stale = accepted(district, settings=settings)
    _request(district, stale)
    services.appeal_return(appeal=stale, actor=Actor.staff(district.handler_city), reason="不属于本单位职责")
    out["stale"] = stale
    return out


def _accepted_by_env(district, settings) -> Appeal:
    appeal = submit(district, settings=settings, area_code="G2", category_code="HB")
    services.appeal_dispatch(appeal=appeal, actor=Actor.staff(district.dispatcher), unit=district.unit_env)
    return services.appeal_accept(appeal=appeal, actor=Actor.staff(district.handler_env))


@pytest.fixture
def street_dispatchers(district):
    return {
        "dispatcher_a": staff(Role.DISPATCHER, area=district.street_a, username="dispatcher_a"),
        "dispatcher_b": staff(Role.DISPATCHER, area=district.street_b, username="dispatcher_b"),
    }


EXPECTED = {
    "admin": {"pending_a", "pending_b"},
    "dispatcher": {"pending_a", "pending_b"},  # unscoped: everywhere
    "dispatcher_a": {"pending_a"},
    "dispatcher_b": {"pending_b"},
    "supervisor": {"pending_a", "pending_b"},  # the whole district
    "leader_b": {"pending_b"},
    "operator": set(),
    "handler_city": set(),  # requested it, does not decide it
    "handler_env": set(),
    "grid_worker_a": set(),
    "resident": set(),
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_extensions_queue_per_role_is_what_the_policy_lets_decide(district, appeals, street_dispatchers, who):
    user = street_dispatchers.get(who) or getattr(district, who)
    listed = {name for name, a in appeals.items() if queue(user, "extensions").filter(pk=a.pk).exists()}
    assert listed == EXPECTED[who]
    # and exactly the appeals on which the policy offers the decision
    actor = Actor.staff(user)
    decidable = {
        name
        for name, a in appeals.items()
        if can(actor, Appeal.objects.select_related("area").get(pk=a.pk), Action.DECIDE_EXTENSION)
    }
    assert listed == decidable


def test_decided_and_returned_requests_leave_the_queue(district, appeals):
    pks = set(queue(district.dispatcher, "extensions").values_list("pk", flat=True))
    assert pks == {appeals["pending_a"].pk, appeals["pending_b"].pk}
    services.appeal_decide_extension(
        appeal=appeals["pending_a"], actor=Actor.staff(district.dispatcher), approve=True
    )
    assert set(queue(district.dispatcher, "extensions").values_list("pk", flat=True)) == {
        appeals["pending_b"].pk
    }
    services.appeal_decide_extension(
        appeal=appeals["pending_b"],
        actor=Actor.staff(district.supervisor),
        approve=False,
        note="请按期办结。",
    )
    assert not queue(district.dispatcher, "extensions").exists()


def test_extensions_queue_is_nearest_deadline_first_emergencies_first(district, settings):
    now = timezone.now()
    rows = []
    for hours, priority in ((72, 2), (24, 2), (96, 0)):
        appeal = accepted(district, settings=settings)
        _request(district, appeal)
        Appeal.objects.filter(pk=appeal.pk).update(
            resolve_due_at=now + dt.timedelta(hours=hours), priority=priority
        )
        rows.append(appeal.pk)
    late, soon, emergency = rows
    assert list(queue(district.dispatcher, "extensions").values_list("pk", flat=True)) == [
        emergency,
        soon,
        late,
    ]


def test_pending_extensions_gives_days_reason_and_the_deadline_approval_would_give(district, appeals):
    a, plain = appeals["pending_a"], appeals["plain"]
    a.refresh_from_db()
    found = pending_extensions([a, plain])
    assert set(found) == {a.pk}
    x = found[a.pk]
    assert (x.working_days, x.reason) == (3, "需要采购配件")
    assert x.new_due_at == deadlines.extend(a.resolve_due_at, 3)
    assert x.new_due_at > a.resolve_due_at
    services.appeal_decide_extension(appeal=a, actor=Actor.staff(district.dispatcher), approve=True)
    a.refresh_from_db()
    assert a.resolve_due_at == x.new_due_at  # what the list announced is what approval gave


def test_a_request_lapses_when_the_appeal_leaves_the_unit_undecided(district, settings):
    """Returned with a request pending: the request lapses (recorded on the return), nobody can
    decide it, and the next unit that accepts the appeal may ask for its own extension."""
    from lianxin.appeals.models import EventType, ExtensionStatus

    appeal = accepted(district, settings=settings)
    _request(district, appeal)
    [request] = appeal.extensions.all()
    services.appeal_return(appeal=appeal, actor=Actor.staff(district.handler_city), reason="不属于本单位职责")
    request.refresh_from_db()
    assert request.status == ExtensionStatus.LAPSED
    assert request.decided_at is not None
    returned = appeal.events.get(type=EventType.RETURNED)
    assert returned.data["extension_lapsed"] == [request.pk]

    services.appeal_dispatch(appeal=appeal, actor=Actor.staff(district.dispatcher), unit=district.unit_env)
    services.appeal_accept(appeal=appeal, actor=Actor.staff(district.handler_env))
    appeal.refresh_from_db()
    assert not can(Actor.staff(district.dispatcher), appeal, Action.DECIDE_EXTENSION)  # nothing pending
    assert appeal not in queue(district.dispatcher, "extensions")
    _request(district, appeal, handler=district.handler_env)  # not blocked by the lapsed one
    assert appeal.extensions.filter(status=ExtensionStatus.PENDING).count() == 1
    assert appeal in queue(district.dispatcher, "extensions")


def test_a_reply_lapses_the_pending_request_too(district, settings):
    from lianxin.appeals.models import ExtensionStatus

    appeal = accepted(district, settings=settings)
    _request(district, appeal)
    services.appeal_reply(
        appeal=appeal, actor=Actor.staff(district.handler_city), text="已更换路灯，恢复照明。"
    )
    assert appeal.extensions.get().status == ExtensionStatus.LAPSED
