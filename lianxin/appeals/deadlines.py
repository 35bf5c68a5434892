"""Deadline policies and their computation on the working-day calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lianxin.org.models import Category
from lianxin.worktime import calendar

from .models import DeadlinePolicy, Urgency

# Used when no policy row matches: accept within N working hours, resolve within N working days.
BUILT_IN_POLICIES: dict[str, tuple[int, int]] = {
    Urgency.NORMAL: (4, 5),
    Urgency.URGENT: (2, 3),
    Urgency.EMERGENCY: (1, 1),
}


@dataclass(frozen=True)
class Deadlines:
    accept_due_at: dt.datetime
    resolve_due_at: dt.datetime


def policy_for(category: Category | None, urgency: str) -> tuple[int, int]:
    """(accept working hours, resolve working days) from the most specific matching policy."""
    codes = category.ancestor_codes() if category is not None else []
    candidates = {
        (p.category.code if p.category else None): p
        for p in DeadlinePolicy.objects.filter(urgency=urgency).select_related("category")
        if p.category is None or p.category.code in codes
    }
    for code in reversed(codes):
        if code in candidates:
            policy = candidates[code]
            return policy.accept_working_hours, policy.resolve_working_days
    if None in candidates:
        policy = candidates[None]
        return policy.accept_working_hours, policy.resolve_working_days
    return BUILT_IN_POLICIES.get(urgency, BUILT_IN_POLICIES[Urgency.NORMAL])


def compute_deadlines(
    start: dt.datetime, category: Category | None, urgency: str, *, policy: tuple[int, int] | None = None
) -> Deadlines:
    """The deadlines of work starting at `start`; `policy` (from `policy_for`) when the caller has it."""
    accept_hours, resolve_days = policy or policy_for(category, urgency)
    if urgency == Urgency.EMERGENCY:
        # Emergencies do not wait for office hours: acceptance is counted in natural hours.
        accept_due = start + dt.timedelta(hours=accept_hours)
    else:
        accept_due = calendar.add_working_hours(start, accept_hours)
    return Deadlines(accept_due_at=accept_due, resolve_due_at=calendar.add_working_days(start, resolve_days))


def extend(resolve_due_at: dt.datetime, working_days: int) -> dt.datetime:
    return calendar.add_working_days(resolve_due_at, working_days)


# The response (响应, docs/kpis.md): the unit's first contact with the resident, within one working
# day of the dispatch (an emergency within two natural hours).
RESPONSE_WORKING_DAYS = 1
RESPONSE_EMERGENCY_HOURS = 2


def response_due_at(start: dt.datetime, urgency: str) -> dt.datetime:
    """When the first contact with the resident is due for an assignment that started at `start`."""
    if urgency == Urgency.EMERGENCY:
        return start + dt.timedelta(hours=RESPONSE_EMERGENCY_HOURS)
    return calendar.add_working_days(start, RESPONSE_WORKING_DAYS)
