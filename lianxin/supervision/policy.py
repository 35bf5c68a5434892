"""Who may do what in supervision: the one place views and services ask.

Here: follow-up calls, and the supervision order's state machine (`ORDER_TRANSITIONS`, like
`appeals.policy.TRANSITIONS`). Still in views and services (issue 11): the role checks of orders,
warnings and dashboards.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from lianxin.core.errors import Forbidden
from lianxin.org.models import Area, Role, User
from lianxin.org.selectors import Scope, scope_of

from .models import OrderStatus
from .selectors.periods import Jurisdiction, jurisdiction_of

FOLLOW_UP_CALLERS = (Role.SUPERVISOR, Role.ADMIN)


def may_call_back(scope: Scope) -> bool:
    """Follow-up calls (回访) are made by supervisors and administrators, within their jurisdiction."""
    return scope.has(*FOLLOW_UP_CALLERS)


def ensure_may_call_back(scope: Scope) -> None:
    if not may_call_back(scope):
        raise Forbidden(_("回访仅由督查员和管理员进行。"))


def follow_up_caller(user: User | None) -> Jurisdiction:
    """The jurisdiction in which `user` makes follow-up calls (the views' list and the services'
    check both ask this); Forbidden unless they may make them at all."""
    ensure_may_call_back(scope_of(user))
    return jurisdiction_of(user)


class OrderAction:
    RESPOND = "respond"  # the unit reports what it did (反馈)
    CLOSE = "close"  # the supervisor accepts the response (办结)
    ESCALATE = "escalate"  # the deadline passed without a response (system only)


# The supervision order's state machine: for each action, the statuses it starts from and the one
# it leads to. Services check and apply it; views ask it which forms to offer.
ORDER_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    OrderAction.RESPOND: (frozenset({OrderStatus.OPEN, OrderStatus.ESCALATED}), OrderStatus.RESPONDED),
    OrderAction.CLOSE: (frozenset({OrderStatus.RESPONDED}), OrderStatus.CLOSED),
    OrderAction.ESCALATE: (frozenset({OrderStatus.OPEN}), OrderStatus.ESCALATED),
}


def order_status_allows(action: str, status: str) -> bool:
    """Whether an order in `status` may undergo `action` (who may do it is checked apart)."""
    return status in ORDER_TRANSITIONS[action][0]


def order_target(action: str) -> str:
    """The status an order has after `action`."""
    return ORDER_TRANSITIONS[action][1]


def ensure_may_respond_to_order(scope: Scope, unit_id: int | None) -> None:
    """Supervision orders are answered (反馈) by the handlers of the unit they were sent to."""
    if unit_id not in scope.units_for(Role.HANDLER):
        raise Forbidden(_("只有责任单位的工作人员可以反馈督办单。"))


def ensure_overseer_of(scope: Scope, j: Jurisdiction, unit_area: Area | None, appeal_area: Area | None) -> None:
    """Orders are issued and closed by supervisors and leaders whose jurisdiction covers the unit or
    the appeal, and by administrators. Views ask before validating the form, services again."""
    if j.everything:
        return
    if not scope.has(Role.SUPERVISOR, Role.LEADER):
        raise Forbidden(_("只有督查员、领导或管理员可以发起和办结督办。"))
    if j.covers_area(unit_area) or j.covers_area(appeal_area):
        return
    raise Forbidden(_("该单位或诉求不在您的督查范围内。"))
