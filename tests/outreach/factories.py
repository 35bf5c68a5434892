"""Outreach test data: households in the small test district, cadres, community staff."""

from __future__ import annotations

import datetime as dt

from lianxin.org.models import Area, Role, RoleAssignment, UnitKind, User
from lianxin.outreach.models import AssignmentKind, ContactAssignment, Household, HouseholdGroup, Member

from ..factories import District, UnitFactory, UserFactory, staff


def household(
    grid: Area,
    *,
    building: str = "3",
    room: str = "201",
    groups: tuple[str, ...] = (),
    registered_on: dt.date = dt.date(2026, 1, 5),
    phone: str = "13812345678",
    name: str = "王秀英",
    id_number: str = "",
) -> Household:
    from lianxin.core.crypto import id_number_lookup_hash, phone_lookup_hash

    h = Household.objects.create(
        grid=grid,
        building=building,
        room=room,
        registered_on=registered_on,
        address_detail="幸福路 88 号 3 栋 201",
    )
    for group in groups:
        HouseholdGroup.objects.create(household=h, group=group)
    Member.objects.create(
        household=h,
        name=name,
        phone=phone,
        phone_hash=phone_lookup_hash(phone),
        id_number=id_number,
        id_hash=id_number_lookup_hash(id_number),
    )
    return h


def assign(cadre: User, h: Household, *, started_on: dt.date = dt.date(2026, 1, 5)) -> ContactAssignment:
    return ContactAssignment.objects.create(
        kind=AssignmentKind.HOUSEHOLD, cadre=cadre, household=h, started_on=started_on
    )


def point(cadre: User, area: Area) -> ContactAssignment:
    return ContactAssignment.objects.create(
        kind=AssignmentKind.POINT, cadre=cadre, area=area, started_on=dt.date(2026, 1, 5)
    )


class Outreach:
    """The test district plus: a community committee with its staff, cadres, households."""

    def __init__(self, d: District) -> None:
        self.d = d
        self.committee_a = UnitFactory(
            code="U-SQ-C1", name="幸福社区居委会", kind=UnitKind.COMMUNITY, area=d.community_a
        )
        self.community_staff_a = staff(Role.HANDLER, unit=self.committee_a, username="sq_a")
        self.cadre = UserFactory(username="cadre")  # a party member: no staff role needed
        self.other_cadre = UserFactory(username="cadre2")
        self.leader_a = staff(Role.LEADER, area=d.street_a, username="leader_a")
        self.point_cadre = UserFactory(username="point_cadre")
        self.grid_worker_b = staff(Role.GRID_WORKER, area=d.grid_b, username="grid_b")
        self.house_a = household(d.grid_a)
        self.house_b = household(d.grid_b, phone="13900002222", name="李建国")
        assign(self.cadre, self.house_a)
        point(self.point_cadre, d.community_a)


def role(user: User, r: str, **scope: object) -> None:
    RoleAssignment.objects.create(user=user, role=r, **scope)
