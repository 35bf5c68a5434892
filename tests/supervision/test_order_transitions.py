"""The supervision order's state machine (`policy.ORDER_TRANSITIONS`) as a status × action matrix,
through the services, with an actor allowed to act: each cell moves to the target or is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.appeals.actors import Actor
from lianxin.core.errors import TransitionNotAllowedError
from lianxin.supervision import services
from lianxin.supervision.models import OrderStatus, SupervisionOrder
from lianxin.supervision.policy import ORDER_TRANSITIONS, OrderAction

from .test_orders_followups import create, warning  # noqa: F401  (the fixture)

EXPECTED = {  # action: {status it may start from: status after}
    OrderAction.RESPOND: {
        OrderStatus.OPEN: OrderStatus.RESPONDED,
        OrderStatus.ESCALATED: OrderStatus.RESPONDED,
    },
    OrderAction.CLOSE: {OrderStatus.RESPONDED: OrderStatus.CLOSED},
    OrderAction.ESCALATE: {OrderStatus.OPEN: OrderStatus.ESCALATED},
}


def test_the_table_is_the_expected_one():
    assert {a: dict.fromkeys(s, t) for a, (s, t) in ORDER_TRANSITIONS.items()} == EXPECTED


def _act(district, order: SupervisionOrder, action: str) -> None:
    if action == OrderAction.RESPOND:
        services.order_respond(order=order, actor=Actor.staff(district.handler_city), text="已处理")
    elif action == OrderAction.CLOSE:
        services.order_close(order=order, actor=Actor.staff(district.supervisor), note="")
    else:
        services.order_escalate(order=order, now=timezone.now() + dt.timedelta(days=30))


@pytest.mark.parametrize("status", OrderStatus.values)
@pytest.mark.parametrize("action", list(EXPECTED))
def test_each_status_and_action(district, warning, status, action):  # noqa: F811
    order = create(district, warning)
    SupervisionOrder.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    target = EXPECTED[action].get(status)
    if target is None:
        with pytest.raises(TransitionNotAllowedError):
            _act(district, order, action)
        order.refresh_from_db()
        assert order.status == status
    else:
        _act(district, order, action)
        order.refresh_from_db()
        assert order.status == target
        assert order.events.order_by("-pk").values_list("from_status", flat=True).first() == status
