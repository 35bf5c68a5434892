"""Community-life indicators (issue 13), registered with supervision's indicator registry from `ready`.

For the activities that started in the period (published or finished, not drafts or cancelled) in
the areas:
- `community_activities_held`: how many.
- `community_signups`: confirmed sign-ups to them (waiting list and cancelled left out).
- `community_check_ins`: people checked in at them.
- `community_volunteer_hours`: confirmed volunteer hours at them, overlaps counted once per person.
- `community_wishes_fulfilled`: small wishes closed (delivery confirmed) in the period in the areas.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from lianxin.org.selectors import area_subtree_q
from lianxin.supervision.indicators import day_bounds

from .hours import union_minutes
from .models import Activity, ActivityStatus, HoursEntry, HoursStatus, Signup, SignupStatus, Wish, WishStatus


def _where(paths: tuple[str, ...] | None) -> Q:
    return Q() if paths is None else area_subtree_q(paths)


def _held(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> QuerySet[Activity]:
    since, until = day_bounds(start, end)
    return Activity.objects.filter(_where(paths), starts_at__gte=since, starts_at__lt=until).exclude(
        status__in=(ActivityStatus.DRAFT, ActivityStatus.CANCELLED)
    )


def activities_held(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    return float(_held(paths, start, end).count())


def signups(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    held = _held(paths, start, end)
    return float(Signup.objects.filter(activity__in=held, status=SignupStatus.CONFIRMED).count())


def check_ins(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    held = _held(paths, start, end)
    return float(Signup.objects.filter(activity__in=held, checked_in_at__isnull=False).count())


def volunteer_hours(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    spans: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    rows = HoursEntry.objects.filter(activity__in=_held(paths, start, end), status=HoursStatus.CONFIRMED)
    for user_id, s, e in rows.values_list("user_id", "started_at", "ended_at"):
        spans.setdefault(user_id, []).append((s, e))
    return round(sum(union_minutes(v) for v in spans.values()) / 60, 1)


def wishes_fulfilled(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    since, until = day_bounds(start, end)
    return float(
        Wish.objects.filter(
            _where(paths), status=WishStatus.CLOSED, closed_at__gte=since, closed_at__lt=until
        ).count()
    )


def register() -> None:
    from lianxin.supervision.indicators import Indicator, Section, register_indicator, register_section

    register_section(Section("activities", _("社区活动与志愿服务"), order=20))
    for code, label, fn in (
        ("community_activities_held", _("开展活动次数"), activities_held),
        ("community_signups", _("活动报名人次"), signups),
        ("community_check_ins", _("活动签到人次"), check_ins),
        ("community_volunteer_hours", _("志愿服务时长（小时）"), volunteer_hours),
        ("community_wishes_fulfilled", _("实现微心愿数"), wishes_fulfilled),
    ):
        register_indicator(Indicator(code, label, "count", fn, source="activities"))
