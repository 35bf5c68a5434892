"""Who may do what to an activity, a sign-up or a small wish, and in which status: the one place.

Organisers are the staff who work for the residents of an area: grid workers (网格员) and leaders
of that area, and the handlers of a community or street office (社区居委会、街道办) whose unit covers
it; an activity's own organiser always; administrators everywhere. Supervisors read the figures but
do not see residents' names. Residents sign up, raise wishes, and volunteers claim them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core.errors import ForbiddenError, TransitionNotAllowedError
from lianxin.org.models import Area, Role, Unit, UnitKind, User
from lianxin.org.selectors import area_subtree_q, in_area_subtree, scope_of

from .models import Activity, ActivityStatus, Wish, WishStatus

AREA_ORGANISER_ROLES = (Role.GRID_WORKER, Role.LEADER)
ORGANISING_UNIT_KINDS = (UnitKind.COMMUNITY, UnitKind.STREET_OFFICE)


class Action:
    EDIT = "edit"
    PUBLISH = "publish"
    CANCEL = "cancel"
    FINISH = "finish"
    VIEW_ROSTER = "view_roster"
    CHECK_IN = "check_in"  # the organiser checks someone in or out by the manual list
    CONFIRM_HOURS = "confirm_hours"
    SIGN_UP = "sign_up"


class WishAction:
    OPEN = "open"  # a resident's own wish, reviewed and published by a cadre
    CLAIM = "claim"
    RELEASE = "release"
    DELIVER = "deliver"
    CONFIRM = "confirm"
    CANCEL = "cancel"
    MATCH = "match"


A = ActivityStatus
ACTIVITY_TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    Action.EDIT: (frozenset({A.DRAFT, A.PUBLISHED}), None),
    Action.PUBLISH: (frozenset({A.DRAFT}), A.PUBLISHED),
    Action.CANCEL: (frozenset({A.DRAFT, A.PUBLISHED}), A.CANCELLED),
    Action.FINISH: (frozenset({A.PUBLISHED}), A.FINISHED),
    Action.VIEW_ROSTER: (frozenset({A.DRAFT, A.PUBLISHED, A.FINISHED, A.CANCELLED}), None),
    Action.CHECK_IN: (frozenset({A.PUBLISHED}), None),
    Action.CONFIRM_HOURS: (frozenset({A.PUBLISHED, A.FINISHED}), None),
    Action.SIGN_UP: (frozenset({A.PUBLISHED}), None),
}

W = WishStatus
WISH_TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    WishAction.OPEN: (frozenset({W.REVIEW}), W.OPEN),
    WishAction.CLAIM: (frozenset({W.OPEN}), W.CLAIMED),
    WishAction.RELEASE: (frozenset({W.CLAIMED}), W.OPEN),
    WishAction.DELIVER: (frozenset({W.CLAIMED}), W.DELIVERED),
    WishAction.CONFIRM: (frozenset({W.DELIVERED}), W.CLOSED),
    WishAction.CANCEL: (frozenset({W.REVIEW, W.OPEN, W.CLAIMED}), W.CANCELLED),
    WishAction.MATCH: (frozenset({W.OPEN}), None),
}

LABELS = {
    Action.EDIT: gettext_lazy("修改活动"),
    Action.PUBLISH: gettext_lazy("发布活动"),
    Action.CANCEL: gettext_lazy("取消活动"),
    Action.FINISH: gettext_lazy("结束活动"),
    Action.VIEW_ROSTER: gettext_lazy("查看报名名单"),
    Action.CHECK_IN: gettext_lazy("签到签退"),
    Action.CONFIRM_HOURS: gettext_lazy("确认志愿时长"),
    Action.SIGN_UP: gettext_lazy("报名"),
}
WISH_LABELS = {
    WishAction.OPEN: gettext_lazy("审核发布心愿"),
    WishAction.CLAIM: gettext_lazy("认领心愿"),
    WishAction.RELEASE: gettext_lazy("放弃认领"),
    WishAction.DELIVER: gettext_lazy("登记送达"),
    WishAction.CONFIRM: gettext_lazy("确认完成"),
    WishAction.CANCEL: gettext_lazy("撤销心愿"),
    WishAction.MATCH: gettext_lazy("匹配认领人"),
}


# --- who is an organiser where ---------------------------------------------------------------------


def organiser_area_paths(user: User | None) -> tuple[str, ...] | None:
    """The area paths this user organises in; None means everywhere (administrators)."""
    if user is None or not user.is_authenticated:
        return ()
    if hasattr(user, "_lianxin_organiser_paths"):
        cached: tuple[str, ...] | None = user._lianxin_organiser_paths
        return cached
    scope = scope_of(user)
    paths: tuple[str, ...] | None
    if scope.has(Role.ADMIN):
        paths = None
    else:
        unit_ids = scope.units_for(Role.HANDLER)
        unit_paths = (
            list(
                Unit.objects.filter(pk__in=unit_ids, kind__in=ORGANISING_UNIT_KINDS).values_list(
                    "area__path", flat=True
                )
            )
            if unit_ids
            else []
        )
        paths = tuple(sorted({*scope.areas_for(*AREA_ORGANISER_ROLES), *unit_paths}))
    user._lianxin_organiser_paths = paths  # type: ignore[attr-defined]
    return paths


def may_organise_in(user: User | None, area: Area | None) -> bool:
    """May create activities and record wishes for the residents of `area`."""
    paths = organiser_area_paths(user)
    if paths is None:
        return True
    return area is not None and in_area_subtree(area.path, paths)


def is_organiser_anywhere(user: User | None) -> bool:
    paths = organiser_area_paths(user)
    return paths is None or bool(paths)


def organised_areas_q(user: User | None, prefix: str = "area__path") -> Q:
    """Queryset filter beside `may_organise_in`: the rows in the areas this user organises."""
    paths = organiser_area_paths(user)
    if paths is None:
        return Q()
    return area_subtree_q(paths, prefix)


def activities_managed_q(user: User | None) -> Q:
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    return organised_areas_q(user) | Q(organiser_id=user.pk)


def _is_organiser(user: User | None, activity: Activity) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return activity.organiser_id == user.pk or may_organise_in(user, activity.area)


def _is_person(user: User | None, _activity: Activity) -> bool:
    return user is not None and user.is_authenticated


ACTIVITY_WHO: dict[str, Callable[[User | None, Activity], bool]] = {
    Action.EDIT: _is_organiser,
    Action.PUBLISH: _is_organiser,
    Action.CANCEL: _is_organiser,
    Action.FINISH: _is_organiser,
    Action.VIEW_ROSTER: _is_organiser,
    Action.CHECK_IN: _is_organiser,
    Action.CONFIRM_HOURS: _is_organiser,
    Action.SIGN_UP: _is_person,
}


def may_sign_up_by_phone(activity: Activity) -> bool:
    """Anyone holding a verified phone (core/phoneverify.py) signs up while the activity takes sign-ups."""
    sources, _target = ACTIVITY_TRANSITIONS[Action.SIGN_UP]
    return activity.status in sources


def may_view_activity(user: User | None, activity: Activity) -> bool:
    """Drafts only to their organisers; the rest is public (the calendar)."""
    return activity.status != ActivityStatus.DRAFT or _is_organiser(user, activity)


def can(user: User | None, activity: Activity, action: str) -> bool:
    sources, _target = ACTIVITY_TRANSITIONS[action]
    return activity.status in sources and ACTIVITY_WHO[action](user, activity)


def allowed_actions(user: User | None, activity: Activity) -> list[str]:
    return [a for a in ACTIVITY_TRANSITIONS if can(user, activity, a)]


def ensure_allowed(user: User | None, activity: Activity, action: str) -> None:
    label = LABELS[action]
    sources, _target = ACTIVITY_TRANSITIONS[action]
    if not ACTIVITY_WHO[action](user, activity):  # who first: the refused learn nothing of the status
        if action == Action.SIGN_UP:
            raise ForbiddenError(_("请先登录后再报名。"), code="login_required")
        raise ForbiddenError(
            _("您没有权限{label}：只有本活动的组织者和所在区域的社区工作人员可以。").format(label=label)
        )
    if activity.status not in sources:
        allowed = "、".join(str(ActivityStatus(s).label) for s in sorted(sources))
        raise TransitionNotAllowedError(
            _("活动当前状态为“{status}”，不能{label}；只有处于“{allowed}”状态时才可以。").format(
                status=activity.get_status_display(), label=label, allowed=allowed
            )
        )


# --- wishes ----------------------------------------------------------------------------------------


def _wish_organiser(user: User | None, wish: Wish) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return wish.recorded_by_id == user.pk or may_organise_in(user, wish.area)


def _is_beneficiary(user: User | None, wish: Wish) -> bool:
    return user is not None and user.is_authenticated and wish.beneficiary_id == user.pk


def _is_claimer(user: User | None, wish: Wish) -> bool:
    return user is not None and user.is_authenticated and wish.claimed_by_id == user.pk


def _may_claim(user: User | None, wish: Wish) -> bool:
    return user is not None and user.is_authenticated and not _is_beneficiary(user, wish)


WISH_WHO: dict[str, Callable[[User | None, Wish], bool]] = {
    WishAction.OPEN: _wish_organiser,
    WishAction.CLAIM: _may_claim,
    WishAction.RELEASE: lambda u, w: _is_claimer(u, w) or _wish_organiser(u, w),
    WishAction.DELIVER: _is_claimer,
    WishAction.CONFIRM: lambda u, w: _is_beneficiary(u, w) or _wish_organiser(u, w),
    WishAction.CANCEL: lambda u, w: (
        _wish_organiser(u, w) or (_is_beneficiary(u, w) and w.status != W.CLAIMED)
    ),
    WishAction.MATCH: _wish_organiser,
}


def may_see_wish_contact(user: User | None, wish: Wish) -> bool:
    """The beneficiary's name and phone: the cadres of the area (who arrange the delivery) only."""
    return _wish_organiser(user, wish)


def may_see_wish_detail(user: User | None, wish: Wish) -> bool:
    """The unpublished details: cadres, the beneficiary and the person who claimed it."""
    return _wish_organiser(user, wish) or _is_beneficiary(user, wish) or _is_claimer(user, wish)


def may_view_wish(user: User | None, wish: Wish) -> bool:
    """Wishes under review or cancelled are not public."""
    if wish.status in (W.OPEN, W.CLAIMED, W.DELIVERED, W.CLOSED):
        return True
    return may_see_wish_detail(user, wish)


def wishes_managed_q(user: User | None) -> Q:
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    return organised_areas_q(user) | Q(recorded_by_id=user.pk)


def wish_can(user: User | None, wish: Wish, action: str) -> bool:
    sources, _target = WISH_TRANSITIONS[action]
    return wish.status in sources and WISH_WHO[action](user, wish)


def wish_allowed_actions(user: User | None, wish: Wish) -> list[str]:
    return [a for a in WISH_TRANSITIONS if wish_can(user, wish, a)]


def wish_ensure_allowed(user: User | None, wish: Wish, action: str) -> None:
    label = WISH_LABELS[action]
    sources, _target = WISH_TRANSITIONS[action]
    if not WISH_WHO[action](user, wish):  # who first: the refused learn nothing of the status
        if user is None or not user.is_authenticated:
            raise ForbiddenError(_("请先登录。"), code="login_required")
        if action == WishAction.CLAIM:
            raise ForbiddenError(_("不能认领自己的心愿。"))
        raise ForbiddenError(_("您没有权限{label}。").format(label=label))
    if wish.status not in sources:
        allowed = "、".join(str(WishStatus(s).label) for s in sorted(sources))
        raise TransitionNotAllowedError(
            _("心愿当前状态为“{status}”，不能{label}；只有处于“{allowed}”状态时才可以。").format(
                status=wish.get_status_display(), label=label, allowed=allowed
            )
        )
