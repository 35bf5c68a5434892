"""The mediation deadline: 30 days from acceptance (人民调解法 practice), extendable once by the
parties' agreement. A deadline that falls on a rest day moves to the end of the next working day
of the working-day calendar (`lianxin.worktime`)."""

from __future__ import annotations

import datetime as dt

from lianxin.worktime import calendar

STATUTORY_DAYS = 30
MAX_EXTENSION_DAYS = 30
DUE_SOON_DAYS = 5


def due_after(start: dt.datetime, days: int) -> dt.datetime:
    """The end of the working day on or after the `days`-th calendar day after `start`."""
    day = start.astimezone(calendar.TZ).date() + dt.timedelta(days=days)
    day = calendar.next_workday(day, include_today=True)
    return dt.datetime.combine(day, calendar.DAY_END, tzinfo=calendar.TZ)


def mediation_due(accepted_at: dt.datetime) -> dt.datetime:
    return due_after(accepted_at, STATUTORY_DAYS)


def extended_due(current_due: dt.datetime, days: int) -> dt.datetime:
    return due_after(current_due, days)


def deadline_state(due_at: dt.datetime | None, now: dt.datetime, *, running: bool) -> str:
    """`overdue`, `due_soon`, `on_time` or `` (no clock running)."""
    if due_at is None or not running:
        return ""
    if now > due_at:
        return "overdue"
    if due_at - now <= dt.timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return "on_time"
