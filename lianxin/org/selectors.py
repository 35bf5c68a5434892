"""Read-side queries about people, roles and the organisation."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from .models import Area, AreaLevel, Category, Role, RoleAssignment, Unit, User

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
    cached: Scope | None = getattr(user, "_lianxin_scope", None)
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


def staff_users_of_unit(unit: Unit) -> list[User]:
    return list(User.objects.filter(roles__unit=unit, is_active=True).distinct())


def user_by_username(username: str) -> User | None:
    return User.objects.filter(username=username).first()


# --- choices for forms (the forms take these; they do not query) -----------------------------------

Choice = tuple[str, str]


def category_choices() -> list[Choice]:
    """Active categories in tree order, each indented by its depth: (code, label)."""
    rows = Category.objects.filter(active=True).order_by("path").only("code", "name", "level")
    return [(c.code, ("· " * (c.level - 1)) + c.name) for c in rows]


def area_choices(level: str, parent_code: str = "") -> list[Choice]:
    """The areas of one level inside `parent_code` (streets: all of them; other levels need a parent)."""
    qs = Area.objects.filter(level=level)
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    elif level != AreaLevel.STREET:
        return []
    return [(a.code, a.name) for a in qs.order_by("path")]


def area_choices_above_grids() -> list[Choice]:
    """The district, streets and communities, in tree order (the queue's area filter)."""
    return [(a.code, a.name) for a in Area.objects.exclude(level=AreaLevel.GRID).order_by("path")]


def area_choices_for_hotline() -> list[Choice]:
    """Streets, communities and grids in tree order, labelled with their code first so that an
    operator picks one by typing it (type-ahead), indented by depth."""
    indent: dict[str, str] = {AreaLevel.STREET: "", AreaLevel.COMMUNITY: "· ", AreaLevel.GRID: "· · "}
    areas = (
        Area.objects.exclude(level=AreaLevel.DISTRICT).order_by("path").only("code", "name", "level", "path")
    )
    return [(a.code, f"{a.code} {indent.get(a.level, '')}{a.name}") for a in areas]


def area_choices_by_street() -> list[tuple[str, list[Choice]]]:
    """Communities and grids grouped by street, each community followed by its grids (grids indented)."""
    groups: dict[str, list[Choice]] = {}
    streets = dict(Area.objects.filter(level=AreaLevel.STREET).values_list("code", "name"))
    areas = Area.objects.filter(level__in=(AreaLevel.COMMUNITY, AreaLevel.GRID)).order_by("path")
    for a in areas.only("code", "name", "level", "path"):
        codes = a.path.split("/")
        street = streets.get(codes[1], "") if len(codes) > 1 else ""
        indent = "· " if a.level == AreaLevel.GRID else ""
        groups.setdefault(street, []).append((a.code, f"{indent}{a.name}"))
    return list(groups.items())
