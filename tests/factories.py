"""Factories for test data. Build what a test needs, nothing more."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import factory
from django.db import models
from django.utils import timezone

from lianxin.appeals.models import Appeal, Channel, Kind, Status
from lianxin.core.crypto import phone_lookup_hash
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

M = TypeVar("M", bound=models.Model)


class ModelFactory(factory.django.DjangoModelFactory[M]):
    """factory_boy's DjangoModelFactory, typed so that `AppealFactory(...)` is an `Appeal` to mypy
    (factory_boy leaves `Factory.__new__`, which builds the model instance, unannotated)."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:

        def __new__(cls, *args: Any, **kwargs: Any) -> M: ...  # type: ignore[misc]  # returns the model, not the factory


class AreaFactory(ModelFactory[Area]):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"A{n:04d}")
    name = factory.Sequence(lambda n: f"区域{n}")
    level = AreaLevel.DISTRICT
    parent = None


class CategoryFactory(ModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.Sequence(lambda n: f"分类{n}")
    parent = None


class UnitFactory(ModelFactory[Unit]):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = UnitKind.DEPARTMENT
    area = factory.SubFactory(AreaFactory)


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("pass12345")


def staff(
    role: str, *, unit: Unit | None = None, area: Area | None = None, username: str | None = None
) -> User:
    user = UserFactory(username=username) if username else UserFactory()
    RoleAssignment.objects.create(user=user, role=role, unit=unit, area=area)
    return user


class AppealFactory(ModelFactory[Appeal]):
    class Meta:
        model = Appeal

    tracking_number = factory.Sequence(lambda n: f"LX20260101-{n:06d}")
    title = "小区路灯不亮"
    text = "幸福小区3栋门口的路灯坏了一个多月，晚上很黑，希望尽快修好。"
    kind = Kind.COMPLAINT
    channel = Channel.WEB
    status = Status.SUBMITTED
    contact_name = "张三"
    contact_phone = "13812341234"
    contact_phone_hash = factory.LazyAttribute(lambda o: phone_lookup_hash(o.contact_phone))
    contact_consent = True
    submitted_at = factory.LazyFunction(timezone.now)


class District:
    """A small district: two streets, a community and a grid in each, units and staff of every role."""

    def __init__(self) -> None:
        self.district = AreaFactory(code="D1", name="示范区", level=AreaLevel.DISTRICT)
        self.street_a = AreaFactory(code="S1", name="东街道", level=AreaLevel.STREET, parent=self.district)
        self.street_b = AreaFactory(code="S2", name="西街道", level=AreaLevel.STREET, parent=self.district)
        self.community_a = AreaFactory(
            code="C1", name="幸福社区", level=AreaLevel.COMMUNITY, parent=self.street_a
        )
        self.community_b = AreaFactory(
            code="C2", name="和平社区", level=AreaLevel.COMMUNITY, parent=self.street_b
        )
        self.grid_a = AreaFactory(code="G1", name="幸福一网格", level=AreaLevel.GRID, parent=self.community_a)
        self.grid_b = AreaFactory(code="G2", name="和平一网格", level=AreaLevel.GRID, parent=self.community_b)
        self.cat_city = CategoryFactory(code="CJ", name="城乡建设")
        self.cat_light = CategoryFactory(code="CJ-LD", name="路灯照明", parent=self.cat_city)
        self.cat_env = CategoryFactory(code="HB", name="环境保护")
        self.unit_city = UnitFactory(code="U-CG", name="城管局", area=self.district)
        self.unit_env = UnitFactory(code="U-HB", name="生态环境局", area=self.district)
        self.unit_street_a = UnitFactory(
            code="U-S1", name="东街道办", kind=UnitKind.STREET_OFFICE, area=self.street_a
        )
        DispatchRule.objects.create(category=self.cat_city, area=self.district, unit=self.unit_city)
        DispatchRule.objects.create(category=self.cat_env, area=self.district, unit=self.unit_env)
        self.admin = staff(Role.ADMIN, username="admin")
        self.admin.is_staff = True
        self.admin.save(update_fields=["is_staff"])
        self.operator = staff(Role.OPERATOR, username="operator")
        self.dispatcher = staff(Role.DISPATCHER, username="dispatcher")
        self.handler_city = staff(Role.HANDLER, unit=self.unit_city, username="handler_city")
        self.handler_env = staff(Role.HANDLER, unit=self.unit_env, username="handler_env")
        self.grid_worker_a = staff(Role.GRID_WORKER, area=self.grid_a, username="grid_a")
        self.supervisor = staff(Role.SUPERVISOR, area=self.district, username="supervisor")
        self.leader_b = staff(Role.LEADER, area=self.street_b, username="leader_b")
        self.resident = UserFactory(username="resident", phone="13900001111")
        self.other_resident = UserFactory(username="other_resident")
