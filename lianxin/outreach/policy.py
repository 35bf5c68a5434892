"""Who may see and do what in outreach: need-to-know on households, with queryset filters beside
the predicates (`households_visible_q` is `may_view` over a table).

- **See a household** (door, groups, visits; names and phones masked): the grid workers of its grid
  (or of an area above it), the community's staff (handlers of the community's residents'
  committee, 社区居委会), its assigned cadre (an open 联系户 assignment), a leading cadre whose
  联系点 is its community, leaders of an area above it, administrators.
- **See a member's personal data** (unmasked name, phone, ID number, address detail; every look
  audited): those who go to the door — the grid workers, the community's staff, the assigned
  cadre — and administrators. Leaders see households and coverage masked.
- **Manage** (register, import, assign cadres): grid workers of the grid, community staff, admins.
- **Log a visit**: the assigned cadre, grid workers of the grid, community staff.
- **See coverage** of an area: leaders, supervisors, grid workers and community staff of it, admins.
"""

from __future__ import annotations

from django.db.models import Q

from lianxin.org.models import Role, Unit, UnitKind, User
from lianxin.org.selectors import area_subtree_q, in_area_subtree, scope_of

from .models import AssignmentKind, ContactAssignment, Household


class Action:
    VIEW = "view"
    VIEW_PERSONAL = "view_personal"
    MANAGE = "manage"
    LOG_VISIT = "log_visit"


def community_paths(user: User | None) -> tuple[str, ...]:
    """The areas of the residents' committees (社区居委会) this user handles for."""
    if user is None or not user.is_authenticated:
        return ()
    cached: tuple[str, ...] | None = getattr(user, "_outreach_community_paths", None)
    if cached is not None:
        return cached
    units = scope_of(user).units_for(Role.HANDLER)
    paths: tuple[str, ...] = ()
    if units:
        paths = tuple(
            sorted(
                set(
                    Unit.objects.filter(pk__in=units, kind=UnitKind.COMMUNITY).values_list(
                        "area__path", flat=True
                    )
                )
            )
        )
    user._outreach_community_paths = paths  # type: ignore[attr-defined]
    return paths


def point_paths(user: User | None) -> tuple[str, ...]:
    """The areas that are this user's open 联系点 (a leading cadre's contact point)."""
    if user is None or not user.is_authenticated:
        return ()
    return tuple(
        sorted(
            set(
                ContactAssignment.objects.filter(
                    cadre=user, kind=AssignmentKind.POINT, ended_on__isnull=True, area__isnull=False
                ).values_list("area__path", flat=True)
            )
        )
    )


def may_assign_point(user: User | None, area_path: str) -> bool:
    """Contact points (干部联系点) are assigned by administrators and the leaders above the area."""
    if user is None:
        return False
    scope = scope_of(user)
    return scope.has(Role.ADMIN) or in_area_subtree(area_path, scope.areas_for(Role.LEADER))


def _is_admin(user: User | None) -> bool:
    return user is not None and scope_of(user).has(Role.ADMIN)


def _door_paths(user: User) -> tuple[str, ...]:
    """Areas where this user goes to the door: grid workers' grids and community staff's communities."""
    return scope_of(user).areas_for(Role.GRID_WORKER) + community_paths(user)


def is_assigned_cadre(user: User, household: Household) -> bool:
    return ContactAssignment.objects.filter(
        cadre=user, household=household, kind=AssignmentKind.HOUSEHOLD, ended_on__isnull=True
    ).exists()


def can(user: User | None, household: Household, action: str) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if _is_admin(user):
        return True
    path = household.grid.path
    at_door = in_area_subtree(path, _door_paths(user))
    if action == Action.MANAGE:
        return at_door
    if at_door or is_assigned_cadre(user, household):
        return True
    if action == Action.VIEW:
        return in_area_subtree(path, scope_of(user).areas_for(Role.LEADER) + point_paths(user))
    return False


def households_visible_q(user: User | None, action: str = Action.VIEW) -> Q:
    """The households `user` may act on with `action` (VIEW, VIEW_PERSONAL, MANAGE, LOG_VISIT)."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    if _is_admin(user):
        return Q()
    q = area_subtree_q(_door_paths(user), prefix="grid__path")
    if action == Action.MANAGE:
        return q
    q |= Q(
        pk__in=ContactAssignment.objects.filter(
            cadre=user, kind=AssignmentKind.HOUSEHOLD, ended_on__isnull=True
        ).values("household_id")
    )
    if action == Action.VIEW:
        q |= area_subtree_q(scope_of(user).areas_for(Role.LEADER) + point_paths(user), prefix="grid__path")
    return q


def manageable_area_paths(user: User | None) -> tuple[str, ...] | None:
    """Areas whose grids this user may register households in; None means everywhere (admin)."""
    if user is None or not user.is_authenticated:
        return ()
    if _is_admin(user):
        return None
    return _door_paths(user)


def coverage_area_paths(user: User | None) -> tuple[str, ...] | None:
    """Areas whose coverage this user may see; None means everywhere (admin)."""
    if user is None or not user.is_authenticated:
        return ()
    if _is_admin(user):
        return None
    scope = scope_of(user)
    return (
        scope.areas_for(Role.LEADER, Role.SUPERVISOR, Role.GRID_WORKER)
        + community_paths(user)
        + point_paths(user)
    )


def may_see_coverage(user: User | None, area_path: str) -> bool:
    paths = coverage_area_paths(user)
    return paths is None or in_area_subtree(area_path, paths)
