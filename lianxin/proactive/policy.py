"""Who may do what with proactive tasks and subscriptions — the one place.

- **See proposals, accept (立项交办) or dismiss them**: supervisors whose area contains the task's
  area (a district supervisor: all; a task with no area — a seasonal or text pattern — needs a
  supervisor of the whole district, i.e. one whose area is a root), and administrators.
- **See a task** (accepted or done): those who decide, leaders of an area containing it, and its
  owner: handlers of the owner unit, grid workers of the owner grid (or an area above), and the
  cadres with an open 联系户 assignment in the owner grid.
- **Record the outcome** (open tasks only): the owner and those who decide.
- **Subscribe**: anyone — by account, or by a phone verified with a one-time code; unsubscribing
  needs only the link's token.
- **Publish or withdraw a notice** (停水停电、施工): administrators; grid workers, supervisors and
  leaders in an area containing the notice's area; handlers of a unit whose own area contains it
  (the water company, the street office). Everyone sees published notices.
"""

from __future__ import annotations

from django.db.models import Q

from lianxin.org.models import Area, Role, Unit, User
from lianxin.org.selectors import area_subtree_q, in_area_subtree, scope_of
from lianxin.outreach.models import AssignmentKind, ContactAssignment

from .models import Notice, ProactiveTask, TaskStatus


class Action:
    VIEW = "view"
    DECIDE = "decide"  # accept or dismiss a proposal
    RECORD_OUTCOME = "record_outcome"


def _is_admin(user: User | None) -> bool:
    return user is not None and user.is_authenticated and scope_of(user).has(Role.ADMIN)


def _root_paths(paths: tuple[str, ...]) -> bool:
    return any("/" not in p for p in paths)


def _cadre_grid_ids(user: User) -> set[int]:
    return set(
        ContactAssignment.objects.filter(
            cadre=user, kind=AssignmentKind.HOUSEHOLD, ended_on__isnull=True
        ).values_list("household__grid_id", flat=True)
    )


def _area_path(task: ProactiveTask) -> str | None:
    return task.area.path if task.area_id and task.area else None


def may_decide_at(user: User | None, area_path: str | None) -> bool:
    if _is_admin(user):
        return True
    paths = scope_of(user).areas_for(Role.SUPERVISOR)
    return _root_paths(paths) if area_path is None else in_area_subtree(area_path, paths)


def is_owner(user: User | None, task: ProactiveTask) -> bool:
    if user is None or not user.is_authenticated or task.status == TaskStatus.PROPOSED:
        return False
    scope = scope_of(user)
    if task.owner_unit_id and task.owner_unit_id in scope.units_for(Role.HANDLER):
        return True
    if task.owner_grid_id and task.owner_grid:
        if in_area_subtree(task.owner_grid.path, scope.areas_for(Role.GRID_WORKER)):
            return True
        return task.owner_grid_id in _cadre_grid_ids(user)
    return False


def can(user: User | None, task: ProactiveTask, action: str) -> bool:
    if user is None or not user.is_authenticated:
        return False
    decides = may_decide_at(user, _area_path(task))
    if action == Action.DECIDE:
        return decides and task.status == TaskStatus.PROPOSED
    if action == Action.RECORD_OUTCOME:
        return task.status == TaskStatus.OPEN and (decides or is_owner(user, task))
    if action == Action.VIEW:
        if decides:
            return True
        if task.status == TaskStatus.PROPOSED:
            return False
        leads = scope_of(user).areas_for(Role.LEADER)
        path = _area_path(task)
        return (path is None and _root_paths(leads)) or in_area_subtree(path, leads) or is_owner(user, task)
    return False


def tasks_visible_q(user: User | None, *, proposals: bool = False) -> Q:
    """`can(user, task, VIEW)` as a filter (`proposals`: only what they may decide, still proposed)."""
    nothing = Q(pk__in=[])
    if user is None or not user.is_authenticated:
        return nothing
    if _is_admin(user):
        return Q(status=TaskStatus.PROPOSED) if proposals else ~Q(status=TaskStatus.PROPOSED)
    scope = scope_of(user)
    sup = scope.areas_for(Role.SUPERVISOR)
    decides = area_subtree_q(sup) | (Q(area__isnull=True) if _root_paths(sup) else nothing)
    if proposals:
        return decides & Q(status=TaskStatus.PROPOSED)
    leads = scope.areas_for(Role.LEADER)
    sees = decides | area_subtree_q(leads) | (Q(area__isnull=True) if _root_paths(leads) else nothing)
    sees |= Q(owner_unit_id__in=scope.units_for(Role.HANDLER))
    sees |= area_subtree_q(scope.areas_for(Role.GRID_WORKER), "owner_grid__path")
    sees |= Q(owner_grid_id__in=_cadre_grid_ids(user))
    return sees & ~Q(status=TaskStatus.PROPOSED)


def may_see_proposals(user: User | None) -> bool:
    return _is_admin(user) or bool(scope_of(user).areas_for(Role.SUPERVISOR))


# --- notices ------------------------------------------------------------------------------------

NOTICE_AREA_ROLES = (Role.GRID_WORKER, Role.SUPERVISOR, Role.LEADER)


def notice_area_paths(user: User | None) -> tuple[str, ...] | None:
    """The areas this user publishes notices for; None means everywhere (administrators)."""
    if user is None or not user.is_authenticated:
        return ()
    scope = scope_of(user)
    if scope.has(Role.ADMIN):
        return None
    units = scope.units_for(Role.HANDLER)
    unit_paths = list(Unit.objects.filter(pk__in=units).values_list("area__path", flat=True)) if units else []
    return tuple(sorted({*scope.areas_for(*NOTICE_AREA_ROLES), *unit_paths}))


def may_publish_notices(user: User | None) -> bool:
    paths = notice_area_paths(user)
    return paths is None or bool(paths)


def may_publish_notice_in(user: User | None, area: Area | None) -> bool:
    paths = notice_area_paths(user)
    if paths is None:
        return True
    return area is not None and in_area_subtree(area.path, paths)


def may_manage_notice(user: User | None, notice: Notice) -> bool:
    return may_publish_notice_in(user, notice.area)


def notices_managed_q(user: User | None) -> Q:
    paths = notice_area_paths(user)
    if paths is None:
        return Q()
    return area_subtree_q(paths) if paths else Q(pk__in=[])
