"""Supervision orders (督办单), as a role × action × status matrix of `supervision.policy`.

The order goes to 城管局 (the district's unit) about an appeal in 幸福一网格 (东街道). Who may act is
written here from the rules (docs/supervision.md), not read back from the code: the unit's handlers
respond; admins and the overseers whose jurisdiction covers the unit or the appeal close; nobody
but the system escalates. Every cell is checked on the policy (`order_may`,
`ensure_order_allowed`: the role is refused before the status), every role × action through the
services, and every role on the order page (which forms it offers, or 403 / 404).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from lianxin.appeals.actors import Actor
from lianxin.appeals.models import Status
from lianxin.core.errors import ForbiddenError, NotFoundError, TransitionNotAllowedError
from lianxin.org.models import Role, User
from lianxin.supervision import policy, services
from lianxin.supervision.models import OrderStatus, SupervisionOrder
from lianxin.supervision.policy import OrderAction
from tests.factories import AppealFactory, District, staff

pytestmark = pytest.mark.django_db

USERS = (
    "admin",
    "supervisor",
    "leader_a",
    "leader_b",
    "handler_city",
    "handler_env",
    "operator",
    "dispatcher",
    "grid_worker",
    "resident",
)

WHO_MAY = {
    OrderAction.RESPOND: {"handler_city"},
    OrderAction.CLOSE: {"admin", "supervisor", "leader_a"},  # leader_a: the appeal lies in their street
    OrderAction.ESCALATE: set(),  # the system only
}
FROM = {
    OrderAction.RESPOND: {OrderStatus.OPEN, OrderStatus.ESCALATED},
    OrderAction.CLOSE: {OrderStatus.RESPONDED},
    OrderAction.ESCALATE: {OrderStatus.OPEN},
}
SEES = {"admin", "supervisor", "leader_a", "handler_city"}  # the order page opens (others: 404 or 403)
READS_ORDERS = {
    "admin",
    "supervisor",
    "leader_a",
    "leader_b",
    "handler_city",
    "handler_env",
}  # the list opens


@dataclass
class World:
    district: District
    users: dict[str, User]
    order: SupervisionOrder

    def at_status(self, status: str) -> SupervisionOrder:
        SupervisionOrder.objects.filter(pk=self.order.pk).update(status=status)
        return SupervisionOrder.objects.select_related("unit__area", "appeal__area").get(pk=self.order.pk)


@pytest.fixture
def world(district) -> World:
    appeal = AppealFactory(status=Status.ACCEPTED, unit=district.unit_city, area=district.grid_a)
    order = services.order_create(
        actor=Actor.staff(district.supervisor),
        unit=district.unit_city,
        appeal=appeal,
        title="请尽快办理",
        instructions="三日内反馈",
        due_working_days=3,
    )
    users = {
        "admin": district.admin,
        "supervisor": district.supervisor,
        "leader_b": district.leader_b,
        "leader_a": staff(Role.LEADER, area=district.street_a),
        "handler_city": district.handler_city,
        "handler_env": district.handler_env,
        "operator": district.operator,
        "dispatcher": district.dispatcher,
        "grid_worker": district.grid_worker_a,
        "resident": district.resident,
    }
    return World(district, users, order)


def test_the_matrix_names_every_action():
    assert set(WHO_MAY) == set(FROM) == set(policy.ORDER_TRANSITIONS)
    assert {a: set(s) for a, (s, _t) in policy.ORDER_TRANSITIONS.items()} == FROM


@pytest.mark.parametrize("status", OrderStatus.values)
@pytest.mark.parametrize("action", list(WHO_MAY))
@pytest.mark.parametrize("who", USERS)
def test_each_cell_on_the_policy(world, who, action, status):
    order = world.at_status(status)
    actor = Actor.staff(world.users[who])
    role_ok, status_ok = who in WHO_MAY[action], status in FROM[action]
    assert policy.order_may(actor, order, action) is (role_ok and status_ok)
    assert (action in policy.order_allowed_actions(world.users[who], order)) is (role_ok and status_ok)
    if not role_ok:
        with pytest.raises(ForbiddenError):
            policy.ensure_order_allowed(actor, order, action)
    elif not status_ok:
        with pytest.raises(TransitionNotAllowedError):
            policy.ensure_order_allowed(actor, order, action)
    else:
        policy.ensure_order_allowed(actor, order, action)


@pytest.mark.parametrize("status", OrderStatus.values)
@pytest.mark.parametrize("action", list(WHO_MAY))
def test_the_system_passes_the_role_check_and_meets_the_status(world, action, status):
    order = world.at_status(status)
    system = Actor.automatic("督办监控")
    assert policy.order_may(system, order, action) is (status in FROM[action])


def _act(world: World, who: str, action: str) -> None:
    actor = Actor.staff(world.users[who])
    if action == OrderAction.RESPOND:
        services.order_respond(order=world.order.pk, actor=actor, text="已处理")
    elif action == OrderAction.CLOSE:
        services.order_close(order=world.order.pk, actor=actor, note="同意办结")
    else:
        raise AssertionError(action)


@pytest.mark.parametrize("action", [OrderAction.RESPOND, OrderAction.CLOSE])
@pytest.mark.parametrize("who", USERS)
def test_each_role_and_action_through_the_services(world, who, action):
    start = next(iter(sorted(FROM[action])))
    world.at_status(start)
    if who in WHO_MAY[action]:
        _act(world, who, action)
        assert SupervisionOrder.objects.get(pk=world.order.pk).status == policy.order_target(action)
    else:
        with pytest.raises(ForbiddenError):
            _act(world, who, action)
        assert SupervisionOrder.objects.get(pk=world.order.pk).status == start


def test_escalation_is_the_systems_only(world):
    order = world.at_status(OrderStatus.OPEN)
    for who in USERS:
        with pytest.raises(ForbiddenError):
            policy.ensure_order_allowed(Actor.staff(world.users[who]), order, OrderAction.ESCALATE)
    services.order_escalate(order=order.pk, now=timezone.now() + dt.timedelta(days=30))
    assert SupervisionOrder.objects.get(pk=order.pk).status == OrderStatus.ESCALATED


@pytest.mark.parametrize("who", USERS)
def test_who_sees_the_order_and_the_list(world, who):
    user = world.users[who]
    visible = policy.orders_visible_q(user)
    listed = (
        SupervisionOrder.objects.filter(visible) if visible is not None else SupervisionOrder.objects.all()
    )
    assert listed.filter(pk=world.order.pk).exists() is (who in SEES)
    if who in SEES:
        assert policy.order_get_for_user(user, world.order.pk).pk == world.order.pk
    else:
        with pytest.raises(NotFoundError):
            policy.order_get_for_user(user, world.order.pk)
    if who in READS_ORDERS:
        policy.require_order_reader(user)
    else:
        with pytest.raises(ForbiddenError):
            policy.require_order_reader(user)


@pytest.mark.parametrize("status", [OrderStatus.OPEN, OrderStatus.RESPONDED])
@pytest.mark.parametrize("who", USERS)
def test_the_order_page_offers_exactly_the_allowed_forms(world, who, status):
    world.at_status(status)
    client = Client()
    client.force_login(world.users[who])
    r = client.get(f"/supervision/orders/{world.order.pk}/")
    if who not in SEES:
        assert r.status_code == 404
        return
    html = r.content.decode()
    assert r.status_code == 200
    assert (f"/supervision/orders/{world.order.pk}/respond/" in html) is (
        who in WHO_MAY[OrderAction.RESPOND] and status in FROM[OrderAction.RESPOND]
    )
    assert (f"/supervision/orders/{world.order.pk}/close/" in html) is (
        who in WHO_MAY[OrderAction.CLOSE] and status in FROM[OrderAction.CLOSE]
    )


def test_an_overseer_who_issued_an_order_outside_their_area_sees_it_but_is_not_offered_to_close(world):
    """The case where the page and the service disagreed: the page offered the close form to any
    overseer who could see the order, the service refused unless their jurisdiction covers it."""
    outsider = world.users["leader_b"]
    SupervisionOrder.objects.filter(pk=world.order.pk).update(
        created_by=outsider, status=OrderStatus.RESPONDED
    )
    order = policy.order_get_for_user(outsider, world.order.pk)
    assert policy.order_allowed_actions(outsider, order) == []
    client = Client()
    client.force_login(outsider)
    html = client.get(f"/supervision/orders/{order.pk}/").content.decode()
    assert f"/supervision/orders/{order.pk}/close/" not in html
    assert client.post(f"/supervision/orders/{order.pk}/close/", {"note": "x"}).status_code == 403
