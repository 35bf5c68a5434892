"""Test data for community life: activities, sign-ups, wishes, organizations."""

from __future__ import annotations

import datetime as dt
import secrets

from django.utils import timezone

from lianxin.activities.models import Activity, ActivityKind, ActivityStatus, Wish, WishStatus
from lianxin.org.models import Area, Role, User
from tests.factories import District, staff


def street_handler(district: District) -> User:
    """A handler of 东街道办 (a street office): an organiser for the whole 东街道."""
    return staff(Role.HANDLER, unit=district.unit_street_a, username="street_a_handler")


def make_activity(
    *,
    organiser: User,
    area: Area,
    status: str = ActivityStatus.PUBLISHED,
    capacity: int = 10,
    kind: str = ActivityKind.VOLUNTEER,
    starts_in: dt.timedelta = dt.timedelta(days=2),
    duration: dt.timedelta = dt.timedelta(hours=2),
    title: str = "社区清洁志愿服务",
) -> Activity:
    starts = timezone.now() + starts_in
    return Activity.objects.create(
        kind=kind,
        title=title,
        place="幸福小区广场",
        area=area,
        organiser=organiser,
        starts_at=starts,
        ends_at=starts + duration,
        capacity=capacity,
        status=status,
        checkin_code=secrets.token_urlsafe(18),
    )


def make_wish(
    *,
    area: Area,
    recorded_by: User | None,
    status: str = WishStatus.OPEN,
    anonymous: bool = True,
    beneficiary: User | None = None,
    title: str = "一件冬衣",
) -> Wish:
    now = timezone.now()
    return Wish.objects.create(
        title=title,
        public_text="一位独居老人希望有一件厚实的冬衣",
        detail="住在3栋2单元，腿脚不便",
        category="衣物",
        area=area,
        recorded_by=recorded_by,
        beneficiary=beneficiary,
        beneficiary_name="王秀英",
        beneficiary_phone="13700001234",
        anonymous=anonymous,
        status=status,
        created_at=now,
        opened_at=now,
    )
