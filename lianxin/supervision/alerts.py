"""Warnings (预警): evaluate every active rule, raise new warnings, clear those that stopped holding.

One open warning per rule × subject (a partial unique constraint backs this up); a warning clears
itself on the first evaluation where its condition no longer holds.

Kinds without a finder here (`FINDERS`) are pushed by the app that computes them, through
`sync_period_warnings` (so that supervision never imports that app): the cadre visits warning is
raised by outreach's coverage sweep.

Messages: each rule kind has message templates (`MESSAGES`, Chinese msgids with named
placeholders). `RaisedWarning.message` stores the Chinese text, as raised; `warning_message()`
renders it in the reader's language at display time, from the template of the warning's rule kind
and the parameters read back from the stored text (so the figures are those of raise time), and
falls back to the stored text when it does not match a template (older or truncated messages).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from lianxin.appeals.models import OPEN_STATUSES, Appeal, Status
from lianxin.org.models import Area, Category
from lianxin.worktime import calendar

from .models import KpiStreetDaily, RaisedWarning, WarningRule, WarningStatus
from .warning_kinds import (
    DUE_SOON,
    OVERDUE,
    OVERDUE_HIGH,
    OVERDUE_NO_DUE,
    REOPENED,
    SATISFACTION_LOW,
    SURGE,
    RuleKind,
    _raised,
)
from .warning_kinds import MESSAGES as MESSAGES  # re-exported: callers read the texts from here
from .warning_kinds import message_params as message_params
from .warning_kinds import warning_message as warning_message

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    message: str
    value: float | None = None
    appeal_id: int | None = None
    unit_id: int | None = None
    area_id: int | None = None
    category_id: int | None = None
    cadre_id: int | None = None


Finder = Callable[[WarningRule, dt.datetime], dict[str, Candidate]]

APPEAL_LIMIT = 2000  # per rule and run; the lists would be unreadable beyond this anyway


def _when(at: dt.datetime | None) -> str:
    return f"{at.astimezone(calendar.TZ):%m-%d %H:%M}" if at else "—"


def _appeals_due_soon(rule: WarningRule, now: dt.datetime) -> dict[str, Candidate]:
    hours = float(rule.threshold or 24)
    qs = Appeal.objects.filter(
        status__in=(Status.DISPATCHED, Status.ACCEPTED),
        overdue=False,
        resolve_due_at__gte=now,
        resolve_due_at__lt=now + dt.timedelta(hours=hours),
    ).values_list("pk", "tracking_number", "unit_id", "resolve_due_at")[:APPEAL_LIMIT]
    return {
        f"appeal:{pk}": Candidate(_raised(DUE_SOON, number=number, due=_when(due)), None, pk, unit_id)
        for pk, number, unit_id, due in qs
    }


def _appeals_overdue(rule: WarningRule, now: dt.datetime) -> dict[str, Candidate]:
    qs = (
        Appeal.objects.filter(status__in=(Status.DISPATCHED, Status.ACCEPTED))
        .filter(Q(overdue=True) | Q(resolve_due_at__lt=now))
        .values_list("pk", "tracking_number", "unit_id", "resolve_due_at")[:APPEAL_LIMIT]
    )
    return {
        f"appeal:{pk}": Candidate(
            _raised(OVERDUE, number=number, due=_when(due))
            if due
            else _raised(OVERDUE_NO_DUE, number=number),
            None,
            pk,
            unit_id,
        )
        for pk, number, unit_id, due in qs
    }


def _appeals_reopened(rule: WarningRule, now: dt.datetime) -> dict[str, Candidate]:
    times = int(rule.threshold or 2)
    qs = Appeal.objects.filter(status__in=OPEN_STATUSES, reopen_count__gte=times).values_list(
        "pk", "tracking_number", "unit_id", "reopen_count"
    )[:APPEAL_LIMIT]
    return {
        f"appeal:{pk}": Candidate(_raised(REOPENED, number=number, n=n), float(n), pk, unit_id)
        for pk, number, unit_id, n in qs
    }


def _window(rule: WarningRule, now: dt.datetime) -> Q:
    today = now.astimezone(calendar.TZ).date()
    return Q(day__gt=today - dt.timedelta(days=rule.window_days or 30), day__lte=today)


def _units_low_satisfaction(rule: WarningRule, now: dt.datetime) -> dict[str, Candidate]:
    floor = float(rule.threshold or 80)
    rows = (
        KpiStreetDaily.objects.filter(_window(rule, now))
        .exclude(unit_id=0)
        .values("unit_id")
        .annotate(rated=Sum("rated"), good=Sum("satisfied") + Sum("basic"))
        .order_by()
    )
    out = {}
    for row in rows:
        rated = row["rated"] or 0
        if rated < max(1, rule.min_count):
            continue
        rate = 100.0 * (row["good"] or 0) / rated
        if rate < floor:
            out[f"unit:{row['unit_id']}"] = Candidate(
                _raised(
                    SATISFACTION_LOW,
                    days=rule.window_days,
                    rate=f"{rate:.1f}",
                    floor=f"{floor:g}",
                    rated=rated,
                ),
                round(rate, 1),
                unit_id=row["unit_id"],
            )
    return out


def _units_many_overdue(rule: WarningRule, now: dt.datetime) -> dict[str, Candidate]:
    ceiling = int(rule.threshold or 10)
    rows = (
        KpiStreetDaily.objects.filter(_window(rule, now))
        .exclude(unit_id=0)
        .values("unit_id")
        .annotate(n=Sum("overdue"))
        .order_by()
    )
    return {
        f"unit:{row['unit_id']}": Candidate(
            _raised(OVERDUE_HIGH, days=rule.window_days, n=row["n"], ceiling=ceiling),
            float(row["n"]),
            unit_id=row["unit_id"],
        )
        for row in rows
        if (row["n"] or 0) > ceiling
    }


def surges(now: dt.datetime, *, ratio: float = 2.0, min_count: int = 5) -> list[dict[str, Any]]:
    """Top-level category × street whose last 7 days exceed `ratio` × the weekly average of the 4
    weeks before (and at least `min_count` appeals)."""
    today = now.astimezone(calendar.TZ).date()
    recent_from, base_from = today - dt.timedelta(days=7), today - dt.timedelta(days=35)
    recent: dict[tuple[int, int], int] = defaultdict(int)
    base: dict[tuple[int, int], int] = defaultdict(int)
    rows = (
        KpiStreetDaily.objects.filter(day__gt=base_from, day__lte=today, unit_id=0)
        .values("day", "street_id", "top_category_id")
        .annotate(n=Sum("received"))
        .order_by()
    )
    for row in rows:
        key = (row["top_category_id"], row["street_id"])
        if row["day"] > recent_from:
            recent[key] += row["n"] or 0
        else:
            base[key] += row["n"] or 0
    names = dict(Category.objects.filter(parent=None).values_list("pk", "name"))
    areas = dict(Area.objects.filter(pk__in={s for _c, s in recent}).values_list("pk", "name"))
    out: list[dict[str, Any]] = []
    for (cat, street), n in recent.items():
        weekly = base.get((cat, street), 0) / 4
        if n >= min_count and n >= ratio * max(weekly, 1):
            out.append(
                {
                    "category_id": cat,
                    "category": names.get(cat, ""),
                    "area_id": street,
                    "area": areas.get(street, ""),
                    "count": n,
                    "baseline": weekly,
                }
            )
    out.sort(key=lambda s: -s["count"])
    return out


def _category_surges(rule: WarningRule, now: dt.datetime) -> dict[str, Candidate]:
    items = surges(now, ratio=float(rule.threshold or 2), min_count=rule.min_count)
    return {
        f"surge:{s['category_id']}:{s['area_id']}": Candidate(
            _raised(
                SURGE,
                area=s["area"],
                category=s["category"],
                count=s["count"],
                baseline=f"{float(s['baseline']):.1f}",
            ),
            float(s["count"]),
            area_id=s["area_id"] or None,
            category_id=s["category_id"] or None,
        )
        for s in items
    }


FINDERS: dict[str, Finder] = {
    RuleKind.APPEAL_DUE_SOON: _appeals_due_soon,
    RuleKind.APPEAL_OVERDUE: _appeals_overdue,
    RuleKind.APPEAL_REOPENED: _appeals_reopened,
    RuleKind.UNIT_SATISFACTION_LOW: _units_low_satisfaction,
    RuleKind.UNIT_OVERDUE_HIGH: _units_many_overdue,
    RuleKind.CATEGORY_SURGE: _category_surges,
}


@dataclass(frozen=True)
class EvaluationReport:
    raised: int
    cleared: int
    open: int


def _new_warning(rule: WarningRule, key: str, c: Candidate, now: dt.datetime) -> RaisedWarning:
    return RaisedWarning(
        rule=rule,
        subject_key=key,
        message=c.message[:300],
        value=c.value,
        appeal_id=c.appeal_id,
        unit_id=c.unit_id,
        area_id=c.area_id,
        category_id=c.category_id,
        cadre_id=c.cadre_id,
        raised_at=now,
    )


def _refresh_open(w: RaisedWarning, c: Candidate) -> None:
    if c.message[:300] != w.message or c.value != w.value:
        RaisedWarning.objects.filter(pk=w.pk).update(message=c.message[:300], value=c.value)


def evaluate_warnings(now: dt.datetime | None = None) -> EvaluationReport:
    now = now or timezone.now()
    raised = cleared = still = 0
    for rule in WarningRule.objects.filter(active=True):
        finder = FINDERS.get(rule.kind)
        if finder is None:  # pushed by another app (`sync_period_warnings`)
            continue
        found = finder(rule, now)
        with transaction.atomic():
            open_ = {
                w.subject_key: w for w in rule.warnings.select_for_update().filter(status=WarningStatus.OPEN)
            }
            new = [_new_warning(rule, key, c, now) for key, c in found.items() if key not in open_]
            RaisedWarning.objects.bulk_create(new, ignore_conflicts=True)
            gone = [w.pk for key, w in open_.items() if key not in found]
            RaisedWarning.objects.filter(pk__in=gone).update(status=WarningStatus.CLEARED, cleared_at=now)
            for key, w in open_.items():
                if (c := found.get(key)) is not None:
                    _refresh_open(w, c)
        raised += len(new)
        cleared += len(gone)
        still += len(found)
    return EvaluationReport(raised=raised, cleared=cleared, open=still)


def sync_period_warnings(
    *,
    kind: str,
    find: Callable[[WarningRule], dict[str, Candidate]],
    period: str,
    now: dt.datetime | None = None,
) -> tuple[EvaluationReport, list[RaisedWarning]]:
    """Raise and clear the warnings of a pushed `kind`, at most one raised per subject and `period`.

    `find(rule)` gives the subjects for which the rule's condition holds now, keyed by subject
    ("cadre:12"); the stored key adds the period ("cadre:12@2026-12"). A subject with an open
    warning keeps it (its figures updated), even across periods, until its condition stops holding,
    then it is cleared; a subject whose warning of this period was already cleared is not raised
    again before the next period. Returns the report and the warnings newly raised (to notify)."""
    now = now or timezone.now()
    raised: list[RaisedWarning] = []
    cleared = still = 0
    for rule in WarningRule.objects.filter(active=True, kind=kind):
        found = find(rule)
        with transaction.atomic():
            open_ = {
                w.subject_key.partition("@")[0]: w
                for w in rule.warnings.select_for_update().filter(status=WarningStatus.OPEN)
            }
            this_period = set(
                rule.warnings.filter(subject_key__endswith=f"@{period}").values_list("subject_key", flat=True)
            )
            new = [
                _new_warning(rule, f"{subject}@{period}", c, now)
                for subject, c in found.items()
                if subject not in open_ and f"{subject}@{period}" not in this_period
            ]
            RaisedWarning.objects.bulk_create(new, ignore_conflicts=True)
            gone = [w.pk for subject, w in open_.items() if subject not in found]
            RaisedWarning.objects.filter(pk__in=gone).update(status=WarningStatus.CLEARED, cleared_at=now)
            for subject, w in open_.items():
                if (c := found.get(subject)) is not None:
                    _refresh_open(w, c)
            # read back: with ignore_conflicts the objects may lack their primary keys
            raised.extend(
                RaisedWarning.objects.filter(
                    rule=rule, status=WarningStatus.OPEN, subject_key__in=[w.subject_key for w in new]
                ).select_related("cadre", "area", "unit")
            )
        cleared += len(gone)
        still += len(new) + sum(1 for subject in found if subject in open_)
    return EvaluationReport(raised=len(raised), cleared=cleared, open=still), raised
