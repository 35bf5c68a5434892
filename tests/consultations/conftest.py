from __future__ import annotations

import pytest

from lianxin.org.models import Role
from tests.factories import District, UserFactory, staff


class People:
    """The roles that matter to a consultation organised by the city unit (城管局)."""

    def __init__(self, d: District) -> None:
        self.d = d
        self.organiser = d.handler_city
        self.admin = d.admin
        self.other_staff = d.handler_env  # staff of another unit
        self.leader = d.leader_b
        self.resident = d.resident
        self.other_resident = d.other_resident
        self.dispatcher = staff(Role.DISPATCHER, username="dispatcher2")
        self.third = UserFactory(username="third_resident")

    def by_role(self, role: str):
        return {
            "anonymous": None,
            "resident": self.resident,
            "organiser": self.organiser,
            "admin": self.admin,
            "other_staff": self.other_staff,
        }[role]


@pytest.fixture
def people(district) -> People:
    return People(district)
