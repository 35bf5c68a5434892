"""Who may do what in supervision: the one place views, the nav, the API and services ask.

- Jurisdictions (`jurisdiction_of`): what a user oversees (supervisors and leaders their areas,
  admins everything) and which units they work for (handlers). Every page, the KPI API, the
  reports and the nav derive their rule from it (`require_overseer`, `may_oversee`, …).
- Cadre figures (`cadre_units`) and the KPI API's slice (`caller_slice`).
- Supervision orders: the state machine (`ORDER_TRANSITIONS`, like `appeals.policy.TRANSITIONS`),
  who may take each step (`ORDER_WHO_MAY`), the orders a user sees (`orders_visible`, the queryset
  filter beside the predicate `order_may`), and `ensure_order_allowed`, which services call.
- Follow-up calls (回访): who makes them, and on which follow-ups (`ensure_follow_up_caller_for`).

Selectors never import this module (it reads `selectors.periods`); they take a `Jurisdiction`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.appeals.actors import Actor
from lianxin.core.errors import ForbiddenError, NotFoundError, TransitionNotAllowedError
from lianxin.org.models import Area, Category, Role, Unit, User
from lianxin.org.selectors import Scope, area_subtree_q, scope_of

from .models import FollowUp, OrderStatus, SupervisionOrder
from .selectors.periods import Jurisdiction, Slice, area_subtree_ids

# --- jurisdictions and the pages they open ---------------------------------------------------------

# The roles that oversee (督查): supervisors and leaders within the areas they are assigned, admins
# everywhere. A supervisor or leader without an area (e.g. a leader role on a unit) oversees nothing.
OVERSEER_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.ADMIN)
# Handlers work for units; their unit's figures, drill-downs and orders are theirs.
UNIT_ROLES = (Role.HANDLER,)


def jurisdiction_of(user: User | None) -> Jurisdiction:
    scope = scope_of(user)
    return Jurisdiction(
        everything=scope.has(Role.ADMIN),
        area_paths=scope.areas_for(Role.SUPERVISOR, Role.LEADER),
        unit_ids=scope.units_for(*UNIT_ROLES),
    )


def may_oversee(user: User | None) -> bool:
    """The supervision pages (dashboard, warnings, reply quality, reports): the nav's link and
    `require_overseer` give the same answer."""
    return jurisdiction_of(user).is_overseer


def require_overseer(user: User | None) -> Jurisdiction:
    j = jurisdiction_of(user)
    if not j.is_overseer:
        raise ForbiddenError(
            _("督查考核页面仅对督查员、领导和管理员开放。如需查看本单位数据，请进入“本单位考核”。")
        )
    return j


def may_see_unit_dashboard(user: User | None) -> bool:
    """The unit's own figures (本单位考核): handlers of a unit."""
    return bool(jurisdiction_of(user).unit_ids)


def require_unit_member(user: User | None) -> Jurisdiction:
    j = jurisdiction_of(user)
    if not j.unit_ids:
        raise ForbiddenError(_("本单位考核页面仅对承办单位工作人员开放。"))
    return j


def require_drilldown_reader(user: User | None) -> Jurisdiction:
    """The appeals behind a figure: overseers within their jurisdiction, a unit's handlers for it."""
    j = jurisdiction_of(user)
    if not (j.is_overseer or j.unit_ids):
        raise ForbiddenError(_("只有督查员、领导、管理员和承办单位工作人员可以查看指标明细。"))
    return j


def require_order_reader(user: User | None) -> Jurisdiction:
    """The list of supervision orders: overseers, and handlers (their unit's orders)."""
    j = jurisdiction_of(user)
    if not (j.is_overseer or j.unit_ids):
        raise ForbiddenError(_("督办单仅对督查员、领导、管理员和承办单位工作人员开放。"))
    return j


# --- cadre figures and the KPI API -------------------------------------------------------------------


def cadre_units(user: User | None) -> frozenset[int] | None:
    """The units whose cadres the user may see: every unit (None) for admins; the units in the
    jurisdiction of supervisors and leaders; the units a unit leader (a leader role on a unit)
    leads. Anyone else is refused."""
    scope = scope_of(user)
    if scope.has(Role.ADMIN):
        return None
    units = set(scope.units_for(Role.LEADER))
    areas = scope.areas_for(Role.SUPERVISOR, Role.LEADER)
    if areas:
        units |= set(Unit.objects.filter(area_subtree_q(areas)).values_list("pk", flat=True))
    if not units and not areas:
        raise ForbiddenError(_("承办人考核仅对督查员、领导、单位负责人和管理员开放。"))
    return frozenset(units)


def may_see_cadres(user: User | None) -> bool:
    """The cadre page (承办人考核): what `cadre_units` admits, without querying the units."""
    scope = scope_of(user)
    return scope.has(Role.ADMIN) or bool(
        scope.units_for(Role.LEADER) or scope.areas_for(Role.SUPERVISOR, Role.LEADER)
    )


def cadre_unit_ids(
    user: User | None, *, unit_code: str = "", unit_id: int | None = None
) -> frozenset[int] | None:
    """`cadre_units`, narrowed to one unit (by code or id) that the user may see; 404 otherwise."""
    allowed = cadre_units(user)
    if not unit_code and unit_id is None:
        return allowed
    qs = Unit.objects.filter(code=unit_code) if unit_code else Unit.objects.filter(pk=unit_id or 0)
    found = qs.first()
    if found is None or (allowed is not None and found.pk not in allowed):
        raise NotFoundError(_("没有找到该单位，或它不在您的查看范围内。"))
    return frozenset({found.pk})


def caller_slice(user: User | None, *, area: str = "", unit: str = "", category: str = "") -> Slice:
    """The caller's slice of the KPI figures, narrowed by area, unit and category codes ("" for none).

    Overseers (supervisors, leaders, admins) get their jurisdiction and may narrow it to an area
    inside it or to any unit; a unit's handlers or leader get their units only (an area code is
    still allowed: their unit's figures in that area). An unknown code, or one outside what the
    caller may see, is a 404 that says so."""
    j = jurisdiction_of(user)
    own_units = j.unit_ids | scope_of(user).units_for(Role.LEADER)
    if j.is_overseer:
        slc = j.slice()
    elif own_units:
        slc = Slice(unit_ids=frozenset(own_units))
    else:
        raise ForbiddenError(_("考核数据仅对督查员、领导、管理员和承办单位工作人员开放。"))
    if unit:
        found = Unit.objects.filter(code=unit).first()
        if found is None or (not j.is_overseer and found.pk not in own_units):
            raise NotFoundError(_("没有找到单位“{code}”，或它不在您的查看范围内。").format(code=unit))
        slc = slc.narrow(unit=found)
    if area:
        found_area = Area.objects.filter(code=area).first()
        if found_area is None or (j.is_overseer and not j.covers_area(found_area)):
            raise NotFoundError(_("没有找到区域“{code}”，或它不在您的督查范围内。").format(code=area))
        slc = slc.narrow(area=found_area)
    if category:
        found_category = Category.objects.filter(code=category).first()
        if found_category is None:
            raise NotFoundError(_("没有找到分类“{code}”。").format(code=category))
        slc = slc.narrow(category=found_category)
    return slc


# --- supervision orders (督办单) ---------------------------------------------------------------------


class OrderAction:
    RESPOND = "respond"  # the unit reports what it did (反馈)
    CLOSE = "close"  # the supervisor accepts the response (办结)
    ESCALATE = "escalate"  # the deadline passed without a response (system only)


# The supervision order's state machine: for each action, the statuses it starts from and the one
# it leads to. `ensure_order_allowed` (services) and `order_allowed_actions` (views) read it.
ORDER_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    OrderAction.RESPOND: (frozenset({OrderStatus.OPEN, OrderStatus.ESCALATED}), OrderStatus.RESPONDED),
    OrderAction.CLOSE: (frozenset({OrderStatus.RESPONDED}), OrderStatus.CLOSED),
    OrderAction.ESCALATE: (frozenset({OrderStatus.OPEN}), OrderStatus.ESCALATED),
}


def order_status_allows(action: str, status: str) -> bool:
    """Whether an order in `status` may undergo `action` (who may do it is `ORDER_WHO_MAY`)."""
    return status in ORDER_TRANSITIONS[action][0]


def order_target(action: str) -> str:
    """The status an order has after `action`."""
    return ORDER_TRANSITIONS[action][1]


def _overseer_refusal(
    scope: Scope, j: Jurisdiction, unit_area: Area | None, appeal_area: Area | None
) -> str | None:
    if j.everything or j.covers_area(unit_area) or j.covers_area(appeal_area):
        return None
    if not scope.has(Role.SUPERVISOR, Role.LEADER):
        return _("只有督查员、领导或管理员可以发起和办结督办。")
    return _("该单位或诉求不在您的督查范围内。")


def ensure_overseer_of(
    scope: Scope, j: Jurisdiction, unit_area: Area | None, appeal_area: Area | None
) -> None:
    """Orders are issued and closed by supervisors and leaders whose jurisdiction covers the unit or
    the appeal, and by administrators. Views ask before validating the form, services again."""
    reason = _overseer_refusal(scope, j, unit_area, appeal_area)
    if reason is not None:
        raise ForbiddenError(reason)


def _order_areas(order: SupervisionOrder) -> tuple[Area | None, Area | None]:
    return order.unit.area, (order.appeal.area if order.appeal is not None else None)


def _responder_refusal(actor: Actor, order: SupervisionOrder) -> str | None:
    if order.unit_id in actor.scope.units_for(*UNIT_ROLES):
        return None
    return _("只有责任单位的工作人员可以反馈督办单。")


def _closer_refusal(actor: Actor, order: SupervisionOrder) -> str | None:
    return _overseer_refusal(actor.scope, jurisdiction_of(actor.user), *_order_areas(order))


def _system_only(actor: Actor, order: SupervisionOrder) -> str | None:
    return _("督办单逾期升级由系统自动进行。")


# Who may take each step (the reason they may not, None when they may). System actors pass.
ORDER_WHO_MAY: dict[str, Callable[[Actor, SupervisionOrder], str | None]] = {
    OrderAction.RESPOND: _responder_refusal,
    OrderAction.CLOSE: _closer_refusal,
    OrderAction.ESCALATE: _system_only,
}

# Why an order in the wrong status is refused, per action.
ORDER_STATUS_REFUSALS: dict[str, Promise] = {
    OrderAction.RESPOND: gettext_lazy("督办单当前状态为“{status}”，不能再反馈。"),
    OrderAction.CLOSE: gettext_lazy("督办单当前状态为“{status}”：须待责任单位反馈后才能办结。"),
    OrderAction.ESCALATE: gettext_lazy("只有逾期未反馈的督办单才会升级。"),
}


def order_may(actor: Actor, order: SupervisionOrder, action: str) -> bool:
    """Whether `actor` may take `action` on `order` now (status and role)."""
    if not order_status_allows(action, order.status):
        return False
    return actor.system or ORDER_WHO_MAY[action](actor, order) is None


def order_allowed_actions(user: User, order: SupervisionOrder) -> list[str]:
    """The steps the order page offers `user` (the same rule the services apply)."""
    actor = Actor.staff(user)
    return [action for action in ORDER_TRANSITIONS if order_may(actor, order, action)]


def ensure_may_act_on_order(actor: Actor, order: SupervisionOrder, action: str) -> None:
    """ForbiddenError unless `actor` may take `action` on orders like this one (the role part only: the
    views ask this before validating a form; the status is checked by `ensure_order_allowed`)."""
    if actor.system:
        return
    reason = ORDER_WHO_MAY[action](actor, order)
    if reason is not None:
        raise ForbiddenError(reason)


def ensure_order_allowed(actor: Actor, order: SupervisionOrder, action: str) -> None:
    """Refuse unless `actor` may take `action` on `order` now: ForbiddenError for the role (checked
    first, so a stranger learns nothing of the status), TransitionNotAllowedError for the status."""
    ensure_may_act_on_order(actor, order, action)
    if not order_status_allows(action, order.status):
        raise TransitionNotAllowedError(
            str(ORDER_STATUS_REFUSALS[action]).format(status=order.get_status_display())
        )


def orders_visible_q(user: User | None) -> Q | None:
    """The orders `user` sees, as a filter (None: all): a unit's handlers the orders to their
    units; overseers those to units or about appeals in their areas, and those they issued."""
    j = jurisdiction_of(user)
    if j.everything:
        return None
    q = Q(unit_id__in=j.unit_ids)
    if j.area_paths:
        areas = area_subtree_ids(j.area_paths)
        q |= Q(unit__area_id__in=areas) | Q(appeal__area_id__in=areas) | Q(created_by=user)
    return q


def orders_visible(user: User) -> QuerySet[SupervisionOrder]:
    qs = SupervisionOrder.objects.select_related("unit", "appeal", "created_by")
    q = orders_visible_q(user)
    return qs if q is None else qs.filter(q)


def order_get_for_user(user: User, pk: int) -> SupervisionOrder:
    """The same 404 for an order that does not exist and one the user may not see."""
    order = orders_visible(user).filter(pk=pk).first()
    if order is None:
        raise NotFoundError(_("没有找到该督办单。"))
    return order


# --- follow-up calls (回访) ---------------------------------------------------------------------------

FOLLOW_UP_CALLERS = (Role.SUPERVISOR, Role.ADMIN)


def may_call_back(scope: Scope) -> bool:
    """Follow-up calls (回访) are made by supervisors and administrators, within their jurisdiction."""
    return scope.has(*FOLLOW_UP_CALLERS)


def ensure_may_call_back(scope: Scope) -> None:
    if not may_call_back(scope):
        raise ForbiddenError(_("回访仅由督查员和管理员进行。"))


def follow_up_caller(user: User | None) -> Jurisdiction:
    """The jurisdiction in which `user` makes follow-up calls (the views' list and the services'
    check both ask this); ForbiddenError unless they may make them at all."""
    ensure_may_call_back(scope_of(user))
    return jurisdiction_of(user)


def ensure_follow_up_caller_for(user: User | None, follow_up: FollowUp) -> None:
    """ForbiddenError unless `user` makes follow-up calls; the same 404 as for an absent follow-up when
    its appeal lies outside their jurisdiction (`selectors.follow_ups_visible` is the filter)."""
    if not follow_up_caller(user).covers_area(follow_up.appeal.area):
        raise NotFoundError(_("没有找到该回访任务。"))
