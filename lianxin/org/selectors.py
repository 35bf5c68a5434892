"""Read-side queries about people, roles and the organisation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q

from lianxin.triage.routing import RouteResult, RoutingHistory, Rule, route

from .models import Area, Category, DispatchRule, Role, RoleAssignment, Unit, User

STAFF_ROLES = {r.value for r in Role}


@dataclass(frozen=True)
class Scope:
    """What a user is: their roles, the units they work for and the area paths they oversee."""

    roles: frozenset[str] = frozenset()
    unit_ids: frozenset[int] = frozenset()
    area_paths: tuple[str, ...] = ()
    role_units: dict[str, frozenset[int]] = field(default_factory=dict)
    role_areas: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_staff_member(self) -> bool:
        return bool(self.roles)

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    def areas_for(self, *roles: str) -> tuple[str, ...]:
        return tuple(p for r in roles for p in self.role_areas.get(r, ()))

    def units_for(self, *roles: str) -> frozenset[int]:
        return frozenset(u for r in roles for u in self.role_units.get(r, frozenset()))


def scope_of(user: User | None) -> Scope:
    """The user's roles and their reach. Cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return Scope()
    cached = getattr(user, "_lianxin_scope", None)
    if cached is not None:
        return cached
    roles: set[str] = set()
    role_units: dict[str, set[int]] = {}
    role_areas: dict[str, set[str]] = {}
    for assignment in RoleAssignment.objects.filter(user=user).select_related("area", "unit__area"):
        roles.add(assignment.role)
        if assignment.unit_id:
            role_units.setdefault(assignment.role, set()).add(assignment.unit_id)
        if assignment.area_id and assignment.area:
            role_areas.setdefault(assignment.role, set()).add(assignment.area.path)
    if user.is_superuser:
        roles.add(Role.ADMIN)
    scope = Scope(
        roles=frozenset(roles),
        unit_ids=frozenset(u for units in role_units.values() for u in units),
        area_paths=tuple(sorted({p for paths in role_areas.values() for p in paths})),
        role_units={r: frozenset(v) for r, v in role_units.items()},
        role_areas={r: tuple(sorted(v)) for r, v in role_areas.items()},
    )
    user._lianxin_scope = scope  # type: ignore[attr-defined]
    return scope


def area_subtree_q(paths: tuple[str, ...] | list[str], prefix: str = "area__path") -> Q:
    """A filter matching objects whose area is one of `paths` or inside one of them."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{prefix: path}) | Q(**{f"{prefix}__startswith": f"{path}/"})
    return q


def in_area_subtree(path: str | None, paths: tuple[str, ...] | list[str]) -> bool:
    """Whether the area at `path` is one of `paths` or inside one of them (`area_subtree_q` in Python)."""
    return path is not None and any(path == p or path.startswith(f"{p}/") for p in paths)


ROUTING_HISTORY_DAYS = 180
ROUTING_MIN_SCORE = 0.5  # about four returns in a row with no kept appeal


ROUTING_HISTORY_CACHE_SECONDS = 600


def routing_history(category: Category) -> RoutingHistory:
    """What the recent dispatches of this category taught us: for each unit and area, how many
    appeals were dispatched to it and how many it returned (退单).

    The counts are cached for ten minutes per category: intake must not aggregate half a year of
    events for every new appeal, and a return changes the picture only slowly."""
    from django.core.cache import cache

    key = f"lianxin:routing-history:{category.code}"
    history = cache.get(key)
    if history is None:
        history = RoutingHistory()
        for unit, area, dispatched, returned in _routing_counts(category):
            for i in range(dispatched):
                history.record(category.code, area, unit, returned=i < returned)
        cache.set(key, history, ROUTING_HISTORY_CACHE_SECONDS)
    return history


def forget_routing_history(category_code: str) -> None:
    """Drop the cached counts of a category (after a return, so the next suggestion learns from it)."""
    from django.core.cache import cache

    cache.delete(f"lianxin:routing-history:{category_code}")


def _routing_counts(category: Category) -> list[tuple[str, str, int, int]]:
    from django.db.models import Count
    from django.utils import timezone

    from lianxin.appeals.models import AppealEvent, EventType

    since = timezone.now() - dt.timedelta(days=ROUTING_HISTORY_DAYS)
    rows = (
        AppealEvent.objects.filter(
            appeal__category=category, at__gte=since, unit__isnull=False,
            type__in=[EventType.DISPATCHED, EventType.REDISPATCHED, EventType.RETURNED],
        )
        .values_list("type", "unit__code", "appeal__area__code")
        .annotate(n=Count("id"))
    )
    dispatched: dict[tuple[str, str], int] = {}
    returned: dict[tuple[str, str], int] = {}
    for kind, unit, area, n in rows:
        target = returned if kind == EventType.RETURNED else dispatched
        target[(unit, area)] = target.get((unit, area), 0) + n
    return [(unit, area, n, returned.get((unit, area), 0)) for (unit, area), n in dispatched.items()]


def route_for(category: Category | None, area: Area | None) -> RouteResult:
    """The triage engine's routing over the dispatch catalogue, informed by return history.

    The most specific rule wins (deepest category, then deepest area); units that keep returning
    this kind of appeal rank lower; several equally good units mean a dispatcher must choose.
    """
    if category is None or area is None:
        return RouteResult([], False, "category or area unknown")
    rules = DispatchRule.objects.filter(
        category__code__in=category.ancestor_codes(), area__code__in=area.ancestor_codes(), unit__active=True
    ).values_list("category__code", "area__code", "unit__code")
    return route(category.ancestor_codes(), area.ancestor_codes(), [Rule(c, a, u) for c, a, u in rules],
                 history=routing_history(category), min_score=ROUTING_MIN_SCORE)


def units_for_dispatch(category: Category | None, area: Area | None) -> list[Unit]:
    """The units the routing proposes, best first (see `route_for`)."""
    codes = route_for(category, area).units
    units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    return [units[c] for c in codes if c in units]


def staff_users_of_unit(unit: Unit) -> list[User]:
    return list(User.objects.filter(roles__unit=unit, is_active=True).distinct())


def user_by_username(username: str) -> User | None:
    return User.objects.filter(username=username).first()
