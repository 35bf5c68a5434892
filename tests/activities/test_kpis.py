"""Community-life indicators in supervision's registry, on hand-built data: each figure for the
period and the area scope."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from django.utils import timezone

from lianxin.activities.models import (
    Activity,
    ActivityStatus,
    HoursEntry,
    HoursStatus,
    Signup,
    SignupStatus,
    Wish,
    WishStatus,
)
from lianxin.supervision.indicators import indicator, indicator_values
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
CODES = (
    "community_activities_held",
    "community_signups",
    "community_check_ins",
    "community_volunteer_hours",
    "community_wishes_fulfilled",
)


def at(day: int, hour: int = 9, month: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour))


def _values(paths):
    return {
        v["code"]: v["value"]
        for v in indicator_values(area_paths=paths, start=START, end=END)
        if v["source"] == "activities"
    }


def _activity(district, area, starts, status=ActivityStatus.FINISHED, hours=3):
    return Activity.objects.create(
        kind="volunteer",
        title="清洁",
        place="广场",
        area=area,
        organiser=district.admin,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=hours),
        capacity=10,
        status=status,
        checkin_code=secrets.token_urlsafe(12),
    )


def _signup(activity, user, status=SignupStatus.CONFIRMED, checked_in=False):
    return Signup.objects.create(
        activity=activity,
        user=user,
        status=status,
        created_at=activity.starts_at,
        checked_in_at=activity.starts_at if checked_in else None,
    )


def _hours(activity, user, start, end, status=HoursStatus.CONFIRMED):
    return HoursEntry.objects.create(
        user=user,
        activity=activity,
        started_at=start,
        ended_at=end,
        minutes=int((end - start).total_seconds() // 60),
        status=status,
        verification_code=secrets.token_hex(6),
    )


def _wish(area, status, closed_at=None):
    return Wish.objects.create(
        title="冬衣",
        public_text="冬衣",
        area=area,
        status=status,
        created_at=at(1, month=9),
        closed_at=closed_at,
    )


def test_activities_register_their_indicators():
    assert all(indicator(c) is not None and indicator(c).source == "activities" for c in CODES)  # type: ignore[union-attr]


def test_community_figures_for_the_period_and_scope(district):
    u1, u2, u3 = UserFactory(), UserFactory(), UserFactory()
    a = _activity(district, district.grid_a, at(10))  # street A, in the period
    b = _activity(district, district.community_b, at(12), status=ActivityStatus.PUBLISHED)  # street B
    _activity(district, district.grid_a, at(15), status=ActivityStatus.CANCELLED)  # not held
    _activity(district, district.grid_a, at(14), status=ActivityStatus.DRAFT)  # not held
    late = _activity(district, district.grid_a, at(1, month=11))  # after the period
    _signup(a, u1, checked_in=True)
    _signup(a, u2, checked_in=True)
    _signup(a, u3, status=SignupStatus.WAITLISTED)  # not a sign-up that counts
    _signup(b, u1)
    _signup(late, u2, checked_in=True)
    # u1 at `a` 9:00-12:00 and at `b`, overlapping neither: 3 h + 1.5 h; u2 3 h at `a`, one pending entry
    _hours(a, u1, at(10, 9), at(10, 12))
    _hours(b, u1, at(12, 9), at(12, 10) + dt.timedelta(minutes=30))
    _hours(a, u2, at(10, 9), at(10, 12))
    _hours(late, u2, at(1, 9, month=11), at(1, 11, month=11))  # outside the period
    _hours(b, u2, at(12, 9), at(12, 11), status=HoursStatus.PENDING)  # not confirmed
    _wish(district.grid_a, WishStatus.CLOSED, closed_at=at(20))
    _wish(district.community_b, WishStatus.CLOSED, closed_at=at(21))
    _wish(district.grid_a, WishStatus.CLOSED, closed_at=at(2, month=11))  # fulfilled after the period
    _wish(district.grid_a, WishStatus.DELIVERED)  # not confirmed yet

    everywhere = _values(None)
    assert everywhere == {
        "community_activities_held": 2.0,
        "community_signups": 3.0,
        "community_check_ins": 2.0,
        "community_volunteer_hours": 7.5,
        "community_wishes_fulfilled": 2.0,
    }
    street_a = _values((district.street_a.path,))
    assert street_a == {
        "community_activities_held": 1.0,
        "community_signups": 2.0,
        "community_check_ins": 2.0,
        "community_volunteer_hours": 6.0,
        "community_wishes_fulfilled": 1.0,
    }
    street_b = _values((district.street_b.path,))
    assert street_b["community_volunteer_hours"] == 1.5
    assert street_b["community_check_ins"] == 0.0


def test_overlapping_hours_of_one_person_count_once(district):
    u = UserFactory()
    a = _activity(district, district.grid_a, at(10, 9))
    b = _activity(district, district.grid_a, at(10, 10))
    _hours(a, u, at(10, 9), at(10, 12))
    _hours(b, u, at(10, 10), at(10, 13))  # overlaps 10-12: 9-13 is 4 h
    assert _values(None)["community_volunteer_hours"] == 4.0
