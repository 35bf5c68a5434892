"""Building the demo district: areas with map outlines, units, categories, the dispatch catalogue,
deadline policies, staff of every role, residents and the demo API key."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password

from lianxin.appeals.models import DeadlinePolicy, Urgency
from lianxin.org.geometry import bbox_of, parse_geometry
from lianxin.org.models import (
    Area,
    AreaLevel,
    Category,
    DispatchRule,
    Role,
    RoleAssignment,
    Unit,
    UnitKind,
    User,
)
from lianxin.org.services import api_token_create

from . import catalogue as cat

DEMO_PASSWORD = "lianxin-demo"
# Fixed and published on purpose: it only exists in demo databases made by `lianxin seed`.
DEMO_API_KEY = "lx_demo_NOT_A_SECRET_seeded_demo_key_0001"
DEMO_API_USER = "api-demo"
DEMO_API_TOKEN_NAME = "演示接口密钥（仅供演示）"

Point = tuple[float, float]


@dataclass
class GridInfo:
    id: int
    code: str
    name: str
    path: str
    street_index: int
    community_name: str
    corners: tuple[Point, Point, Point, Point]  # SW, SE, NE, NW


@dataclass
class LeafInfo:
    leaf: cat.Leaf
    id: int
    top: str
    second_id: int


@dataclass
class StaffInfo:
    id: int
    label: str


@dataclass
class DistrictMap:
    """What the appeal generator needs to know about the seeded organisation (ids, names, rules)."""

    grids: list[GridInfo] = field(default_factory=list)
    leaves: list[LeafInfo] = field(default_factory=list)
    unit_ids: dict[str, int] = field(default_factory=dict)
    unit_codes: dict[int, str] = field(default_factory=dict)
    # (leaf code, street index) -> unit ids named by the catalogue (several: ambiguous)
    routes: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    handlers: dict[int, StaffInfo] = field(default_factory=dict)  # unit id -> its handler
    operator: StaffInfo | None = None
    dispatcher: StaffInfo | None = None
    grid_workers: dict[int, StaffInfo] = field(default_factory=dict)  # grid area id -> worker
    residents: list[tuple[int, str, str]] = field(default_factory=list)  # (id, name, phone)
    demo_resident: tuple[int, str, str] | None = None
    policies: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)


# --- geometry ----------------------------------------------------------------------------------------


def lattice(rng: random.Random) -> list[list[Point]]:
    """(LATTICE+1)² jittered points; boundary points only move along the boundary."""
    n = cat.LATTICE
    dx = (cat.LON_EAST - cat.LON_WEST) / n
    dy = (cat.LAT_NORTH - cat.LAT_SOUTH) / n
    points: list[list[Point]] = []
    for i in range(n + 1):
        column = []
        for j in range(n + 1):
            jx = 0.0 if i in (0, n) else rng.uniform(-0.28, 0.28) * dx
            jy = 0.0 if j in (0, n) else rng.uniform(-0.28, 0.28) * dy
            column.append((round(cat.LON_WEST + i * dx + jx, 6), round(cat.LAT_SOUTH + j * dy + jy, 6)))
        points.append(column)
    return points


def bounded(outline: dict[str, Any]) -> dict[str, Any]:
    """An area's `boundary` with its bounding box, as `org.locating.set_boundary` keeps them: the
    locator prefilters by the box, so a boundary without one would never be found by point."""
    box = bbox_of(parse_geometry(outline))
    return {
        "boundary": outline,
        "bbox_min_lon": box.min_lon,
        "bbox_min_lat": box.min_lat,
        "bbox_max_lon": box.max_lon,
        "bbox_max_lat": box.max_lat,
    }


def block_outline(points: list[list[Point]], c0: int, c1: int, r0: int, r1: int) -> dict[str, Any]:
    """The outline of the block of cells columns c0..c1, rows r0..r1, as a GeoJSON Polygon."""
    ring: list[Point] = []
    ring += [points[c][r0] for c in range(c0, c1 + 2)]
    ring += [points[c1 + 1][r] for r in range(r0 + 1, r1 + 2)]
    ring += [points[c][r1 + 1] for c in range(c1, c0 - 1, -1)]
    ring += [points[c0][r] for r in range(r1, r0 - 1, -1)]
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}


# --- building --------------------------------------------------------------------------------------------


def has_district() -> bool:
    return Area.objects.filter(level=AreaLevel.DISTRICT).exists()


def _person_name(rng: random.Random) -> str:
    return rng.choice(cat.SURNAMES) + "".join(rng.choice(cat.GIVEN) for _ in range(rng.choice((1, 2))))


def build_district(*, seed: int, residents: int) -> DistrictMap:  # noqa: C901, PLR0912, PLR0915  the demo, top to bottom
    """Create the whole organisation. Call inside a transaction on a database without a district."""
    rng = random.Random(f"district:{seed}")
    dmap = DistrictMap()
    points = lattice(rng)
    n = cat.LATTICE
    district = Area.objects.create(
        code=cat.DISTRICT_CODE,
        name=cat.DISTRICT_NAME,
        level=AreaLevel.DISTRICT,
        **bounded(block_outline(points, 0, n - 1, 0, n - 1)),
    )
    streets: list[Area] = []
    communities: list[Area] = []
    half = n // 2
    for s, (s_code, s_name, _roads) in enumerate(cat.STREETS):
        street = Area.objects.create(
            code=s_code,
            name=s_name,
            level=AreaLevel.STREET,
            parent=district,
            **bounded(block_outline(points, 2 * s, 2 * s + 1, 0, n - 1)),
        )
        streets.append(street)
        for k in range(cat.COMMUNITIES_PER_STREET):
            index = s * cat.COMMUNITIES_PER_STREET + k
            column, rows = 2 * s + k // 2, (0, half - 1) if k % 2 == 0 else (half, n - 1)
            community = Area.objects.create(
                code=f"C{index + 1:02d}",
                name=cat.COMMUNITIES[index],
                level=AreaLevel.COMMUNITY,
                parent=street,
                **bounded(block_outline(points, column, column, rows[0], rows[1])),
            )
            communities.append(community)
            for g in range(cat.GRIDS_PER_COMMUNITY):
                row = rows[0] + g
                number = index * cat.GRIDS_PER_COMMUNITY + g + 1
                grid = Area.objects.create(
                    code=f"G{number:03d}",
                    name=f"{community.name}第{g + 1}网格",
                    level=AreaLevel.GRID,
                    parent=community,
                    **bounded(block_outline(points, column, column, row, row)),
                )
                corners = (
                    points[column][row],
                    points[column + 1][row],
                    points[column + 1][row + 1],
                    points[column][row + 1],
                )
                dmap.grids.append(
                    GridInfo(grid.pk, grid.code, grid.name, grid.path, s, community.name, corners)
                )

    # Units
    specs = [*cat.DEPARTMENTS, *cat.UTILITIES, cat.HOTLINE]
    units: list[Unit] = [
        Unit.objects.create(code=u.code, name=u.name, kind=u.kind, area=district) for u in specs
    ]
    handler_names = {u.code: u.handler for u in specs}
    for street in streets:
        code = f"{cat.STREET_OFFICE}-{street.code}"
        units.append(
            Unit.objects.create(
                code=code, name=f"{street.name}办事处", kind=UnitKind.STREET_OFFICE, area=street
            )
        )
        handler_names[code] = f"h-jd-{street.code.lower()}"
    for community in communities:
        if int(community.code[1:]) % cat.COMMUNITIES_PER_STREET in (1, 2):
            code = f"{cat.COMMUNITY_COMMITTEE}-{community.code}"
            units.append(
                Unit.objects.create(
                    code=code, name=f"{community.name}居委会", kind=UnitKind.COMMUNITY, area=community
                )
            )
            handler_names[code] = f"h-sq-{community.code.lower()}"
    dmap.unit_ids = {u.code: u.pk for u in units}
    dmap.unit_codes = {u.pk: u.code for u in units}

    # Categories and the dispatch catalogue
    rules: list[DispatchRule] = []
    for top_code, top_name, seconds in cat.TREE:
        top = Category.objects.create(code=top_code, name=top_name)
        for second_code, second_name, leaves in seconds:
            second = Category.objects.create(code=second_code, name=second_name, parent=top)
            for leaf in leaves:
                node = Category.objects.create(code=leaf.code, name=leaf.name, parent=second)
                dmap.leaves.append(LeafInfo(leaf, node.pk, top_code, second.pk))
                note = cat.AMBIGUOUS_NOTE if len(leaf.units) > 1 else ""
                for unit_code in leaf.units:
                    if unit_code == cat.STREET_OFFICE:
                        for s, street in enumerate(streets):
                            unit_id = dmap.unit_ids[f"{cat.STREET_OFFICE}-{street.code}"]
                            rules.append(DispatchRule(category=node, area=street, unit_id=unit_id))
                            dmap.routes.setdefault((leaf.code, s), []).append(unit_id)
                    else:
                        unit_id = dmap.unit_ids[unit_code]
                        rules.append(DispatchRule(category=node, area=district, unit_id=unit_id, note=note))
                        for s in range(len(streets)):
                            dmap.routes.setdefault((leaf.code, s), []).append(unit_id)
    DispatchRule.objects.bulk_create(rules)

    # Deadline policies: a default per urgency, faster for utilities and public safety.
    policies = [
        DeadlinePolicy(category=None, urgency=Urgency.NORMAL, accept_working_hours=4, resolve_working_days=5),
        DeadlinePolicy(category=None, urgency=Urgency.URGENT, accept_working_hours=2, resolve_working_days=3),
        DeadlinePolicy(
            category=None, urgency=Urgency.EMERGENCY, accept_working_hours=1, resolve_working_days=1
        ),
        DeadlinePolicy(
            category=Category.objects.get(code="CJ-04"),
            urgency=Urgency.NORMAL,
            accept_working_hours=2,
            resolve_working_days=3,
        ),
        DeadlinePolicy(
            category=Category.objects.get(code="GA"),
            urgency=Urgency.NORMAL,
            accept_working_hours=2,
            resolve_working_days=3,
        ),
        DeadlinePolicy(
            category=Category.objects.get(code="LD"),
            urgency=Urgency.NORMAL,
            accept_working_hours=4,
            resolve_working_days=10,
        ),
    ]
    DeadlinePolicy.objects.bulk_create(policies)
    from lianxin.appeals.deadlines import policy_for

    leaf_objects = {c.code: c for c in Category.objects.filter(level=3)}
    for info in dmap.leaves:
        for urgency in Urgency.values:
            dmap.policies[(info.leaf.code, urgency)] = policy_for(leaf_objects[info.leaf.code], urgency)

    # People
    password = make_password(DEMO_PASSWORD)

    def person(username: str, name: str, *, phone: str = "") -> User:
        return User(username=username, display_name=name, password=password, is_staff=False, phone=phone)

    staff_users: list[tuple[User, str, int | None, int | None]] = []  # user, role, unit id, area id
    fixed: list[tuple[str, str, str, int | None, int | None]] = [
        ("admin", "系统管理员", Role.ADMIN, None, None),
        ("operator", "接线员小周", Role.OPERATOR, None, None),
        ("dispatcher", "派单员老陈", Role.DISPATCHER, None, district.pk),
        ("supervisor", "督查员刘敏", Role.SUPERVISOR, None, district.pk),
        ("leader", "区领导王建国", Role.LEADER, None, district.pk),
        ("leader-s01", f"{streets[0].name}主任李华", Role.LEADER, None, streets[0].pk),
    ]
    for username, name, role, fixed_unit, fixed_area in fixed:
        staff_users.append((person(username, name), role, fixed_unit, fixed_area))
    for unit in units:
        staff_users.append(
            (person(handler_names[unit.code], f"{unit.name}承办人"), Role.HANDLER, unit.pk, None)
        )
    worker_grids = [g for g in dmap.grids if int(g.code[1:]) % 20 == 1]
    for worker_grid in worker_grids:
        staff_users.append(
            (
                person(f"grid-{worker_grid.code.lower()}", f"网格员{_person_name(rng)}"),
                Role.GRID_WORKER,
                None,
                worker_grid.id,
            )
        )
    api_user = person(DEMO_API_USER, "演示接口账号")
    staff_users.append((api_user, Role.OPERATOR, None, None))
    staff_users.append((api_user, Role.DISPATCHER, None, district.pk))
    unique_users = list({id(u): u for u, *_ in staff_users}.values())
    unique_users[0].is_staff = unique_users[0].is_superuser = True  # admin may use the Django admin
    User.objects.bulk_create(unique_users)
    by_name = {u.username: u for u in User.objects.filter(username__in=[u.username for u in unique_users])}
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=by_name[u.username], role=role, unit_id=unit_id, area_id=area_id)
            for u, role, unit_id, area_id in staff_users
        ]
    )
    label = {u.username: (u.display_name or u.username) for u in unique_users}
    dmap.operator = StaffInfo(by_name["operator"].pk, label["operator"])
    dmap.dispatcher = StaffInfo(by_name["dispatcher"].pk, label["dispatcher"])
    for unit in units:
        name = handler_names[unit.code]
        dmap.handlers[unit.pk] = StaffInfo(by_name[name].pk, label[name])
    for worker_grid in worker_grids:
        name = f"grid-{worker_grid.code.lower()}"
        dmap.grid_workers[worker_grid.id] = StaffInfo(by_name[name].pk, label[name])

    people = [person("resident", "演示居民张三", phone="13900000000")]
    for i in range(1, residents + 1):
        people.append(person(f"jm{i:05d}", _person_name(rng), phone=f"139{i // 10000:04d}{i % 10000:04d}"))
    for start in range(0, len(people), 1000):
        User.objects.bulk_create(people[start : start + 1000])
    dmap.residents = [
        (pk, name, phone)
        for pk, name, phone in User.objects.filter(username__startswith="jm")
        .order_by("username")
        .values_list("pk", "display_name", "phone")
    ]
    demo = User.objects.get(username="resident")
    dmap.demo_resident = (demo.pk, demo.display_name, demo.phone)

    api_token_create(user=by_name[DEMO_API_USER], name=DEMO_API_TOKEN_NAME, raw_key=DEMO_API_KEY)
    return dmap
