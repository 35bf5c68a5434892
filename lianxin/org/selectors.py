"""Read-side queries about people, roles and the organisation."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

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


def units_for_dispatch(category: Category | None, area: Area | None) -> list[Unit]:
    """The units the dispatch catalogue names for this category and area, most specific first.

    The deepest category level wins, then the deepest area; several units at the best
    specificity mean the routing is ambiguous and a dispatcher must choose.
    """
    if category is None or area is None:
        return []
    category_codes = category.ancestor_codes()
    area_codes = area.ancestor_codes()
    rules = (
        DispatchRule.objects.filter(
            category__code__in=category_codes, area__code__in=area_codes, unit__active=True
        )
        .select_related("category", "area", "unit")
    )
    best: tuple[int, int] | None = None
    chosen: list[Unit] = []
    for rule in rules:
        rank = (rule.category.level, len(rule.area.ancestor_codes()))
        if best is None or rank > best:
            best, chosen = rank, [rule.unit]
        elif rank == best and rule.unit not in chosen:
            chosen.append(rule.unit)
    return chosen


def staff_users_of_unit(unit: Unit) -> list[User]:
    return list(User.objects.filter(roles__unit=unit, is_active=True).distinct())


def user_by_username(username: str) -> User | None:
    return User.objects.filter(username=username).first()
