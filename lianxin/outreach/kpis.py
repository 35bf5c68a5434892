"""Contact KPIs (issue 12): registered with supervision's indicator registry from `ready`.

- `contact_coverage_in_time`: share of active households not overdue for a visit on the period's
  last day (or today, if sooner).
- `contact_special_groups_in_time`: the same for households in a special group.
- `contact_concerns`: concerns raised on visits in the period (a count).
- `contact_concerns_resolved`: share of those concerns resolved — solved on the spot, or turned
  into an appeal that is closed and not rated unsolved.
- `contact_concerns_to_appeals`: share of those concerns turned into appeals.
- `contact_follow_ups_on_time`: share of follow-ups due in the period done by their due date.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.models import Status
from lianxin.org.selectors import area_subtree_q

from . import coverage
from .models import Concern, FollowUp, Household


def _households(paths: tuple[str, ...] | None) -> QuerySet[Household]:
    qs = Household.objects.all()
    return qs.filter(area_subtree_q(paths, "grid__path")) if paths is not None else qs


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _on(end: dt.date) -> dt.date:
    return min(end, timezone.localdate())


def coverage_in_time(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    rows = coverage.coverage_rows(_households(paths), _on(end))
    return _share(sum(r.state != coverage.State.OVERDUE for r in rows), len(rows))


def special_groups_in_time(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    rows = [r for r in coverage.coverage_rows(_households(paths), _on(end)) if r.groups]
    return _share(sum(r.state != coverage.State.OVERDUE for r in rows), len(rows))


def _concerns(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> QuerySet[Concern]:
    qs = Concern.objects.filter(visit__visited_on__gte=start, visit__visited_on__lte=end)
    return qs.filter(area_subtree_q(paths, "visit__household__grid__path")) if paths is not None else qs


def concerns(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    return float(_concerns(paths, start, end).count())


def concerns_to_appeals(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    qs = _concerns(paths, start, end)
    return _share(qs.filter(appeal__isnull=False).count(), qs.count())


def concerns_resolved(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    qs = _concerns(paths, start, end)
    resolved = qs.filter(
        Q(solved_on_spot=True) | (Q(appeal__status=Status.CLOSED) & ~Q(appeal__solved=False))
    )
    return _share(resolved.count(), qs.count())


def follow_ups_on_time(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    qs = FollowUp.objects.filter(due_on__gte=start, due_on__lte=end)
    if paths is not None:
        qs = qs.filter(area_subtree_q(paths, "visit__household__grid__path"))
    return _share(qs.filter(done_on__isnull=False, done_on__lte=F("due_on")).count(), qs.count())


def register() -> None:
    from lianxin.supervision.indicators import Indicator, Section, register_indicator, register_section

    register_section(Section("outreach", _("联系服务群众"), order=10))
    for code, label, kind, fn in (
        ("contact_coverage_in_time", _("住户按期走访率"), "share", coverage_in_time),
        ("contact_special_groups_in_time", _("重点人群按期走访率"), "share", special_groups_in_time),
        ("contact_concerns", _("走访发现问题数"), "count", concerns),
        ("contact_concerns_to_appeals", _("问题转诉求率"), "share", concerns_to_appeals),
        ("contact_concerns_resolved", _("走访问题解决率"), "share", concerns_resolved),
        ("contact_follow_ups_on_time", _("承诺事项按期兑现率"), "share", follow_ups_on_time),
    ):
        register_indicator(Indicator(code, label, kind, fn, source="outreach"))
