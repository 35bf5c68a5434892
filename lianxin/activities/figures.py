"""Figures of community life for an area and a period, for the dashboards (the monthly report reads
the indicators `kpis.py` registers with supervision instead)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from lianxin.org.selectors import area_subtree_q

from .hours import union_minutes
from .models import Activity, ActivityStatus, HoursEntry, HoursStatus, Signup, Wish, WishStatus


@dataclass(frozen=True)
class CommunityFigures:
    activities_held: int
    by_kind: dict[str, int]
    participants: int  # check-ins at activities held
    volunteers: int  # people with confirmed hours
    volunteer_hours: float  # overlaps counted once per person
    wishes_raised: int
    wishes_fulfilled: int
    wishes_open_over_7_days: int

    @property
    def fulfilment_rate(self) -> float | None:
        return round(self.wishes_fulfilled / self.wishes_raised, 3) if self.wishes_raised else None


def community_figures(
    *, area_paths: tuple[str, ...] | None, start: dt.datetime, end: dt.datetime
) -> CommunityFigures:
    """Activities that started in [start, end), and wishes raised in it, inside `area_paths`
    (None: everywhere)."""
    where = Q() if area_paths is None else area_subtree_q(area_paths)
    held = Activity.objects.filter(where, starts_at__gte=start, starts_at__lt=end).exclude(
        status__in=(ActivityStatus.DRAFT, ActivityStatus.CANCELLED)
    )
    by_kind: dict[str, int] = {}
    for kind in held.values_list("kind", flat=True):
        by_kind[kind] = by_kind.get(kind, 0) + 1
    participants = Signup.objects.filter(activity__in=held, checked_in_at__isnull=False).count()
    spans: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for user_id, s, e in HoursEntry.objects.filter(
        activity__in=held, status=HoursStatus.CONFIRMED
    ).values_list("user_id", "started_at", "ended_at"):
        spans.setdefault(user_id, []).append((s, e))
    minutes = sum(union_minutes(v) for v in spans.values())
    raised = Wish.objects.filter(where, created_at__gte=start, created_at__lt=end).exclude(
        status=WishStatus.CANCELLED
    )
    return CommunityFigures(
        activities_held=held.count(),
        by_kind=by_kind,
        participants=participants,
        volunteers=len(spans),
        volunteer_hours=round(minutes / 60, 1),
        wishes_raised=raised.count(),
        wishes_fulfilled=raised.filter(status=WishStatus.CLOSED).count(),
        wishes_open_over_7_days=raised.filter(status=WishStatus.OPEN, escalated_at__isnull=False).count(),
    )
