"""Working days and working hours on the Chinese calendar.

Working hours are 09:00–12:00 and 13:30–18:00 (7.5 hours a day) in Asia/Shanghai. A deadline
of N working days ends at 18:00 on the Nth working day after the day the clock starts; a deadline
of N working hours counts only time inside working hours on working days.
"""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import chinese_calendar

TZ = ZoneInfo("Asia/Shanghai")
WORK_PERIODS: tuple[tuple[dt.time, dt.time], ...] = (
    (dt.time(9, 0), dt.time(12, 0)),
    (dt.time(13, 30), dt.time(18, 0)),
)
DAY_END = WORK_PERIODS[-1][1]


_OVERRIDES_TTL_SECONDS = 60.0
_cache: dict[str, object] = {}


def _overrides() -> dict[dt.date, bool]:
    """Administrator overrides, reloaded at most once a minute so every process sees edits soon."""
    loaded_at = _cache.get("loaded_at")
    if not isinstance(loaded_at, float) or time.monotonic() - loaded_at > _OVERRIDES_TTL_SECONDS:
        from .models import CalendarDay

        _cache["days"] = dict(CalendarDay.objects.values_list("date", "is_workday"))
        _cache["loaded_at"] = time.monotonic()
    days = _cache["days"]
    assert isinstance(days, dict)
    return days


def clear_cache() -> None:
    """Forget the cached overrides (call after an administrator edits them)."""
    _cache.clear()


def package_knows(year: int) -> bool:
    """Whether the `chinese-calendar` package has the State Council's schedule for `year`."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def year_is_known(year: int) -> bool:
    """The package has the year, or an administrator entered its holidays (at least one day off)."""
    if package_knows(year):
        return True
    return any(day.year == year and not workday for day, workday in _overrides().items())


def missing_schedules(today: dt.date) -> list[int]:
    """Years whose holiday schedule is missing although deadlines already fall in them: this year,
    and from 1 December next year (deadlines of the last weeks reach into it)."""
    years = [today.year] + ([today.year + 1] if today.month == 12 else [])
    return [year for year in years if not year_is_known(year)]


def is_workday(day: dt.date) -> bool:
    override = _overrides().get(day)
    if override is not None:
        return override
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # A year the package does not know and no administrator has entered: weekdays only.
        return day.weekday() < 5


def next_workday(day: dt.date, *, include_today: bool = False) -> dt.date:
    current = day if include_today else day + dt.timedelta(days=1)
    while not is_workday(current):
        current += dt.timedelta(days=1)
    return current


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The end (18:00) of the `days`-th working day after the day of `start`."""
    if days < 0:
        raise ValueError("days must not be negative")
    local = start.astimezone(TZ)
    current = local.date()
    if days == 0:
        current = next_workday(current, include_today=True)
    for _ in range(days):
        current = next_workday(current)
    return dt.datetime.combine(current, DAY_END, tzinfo=TZ)


def add_working_hours(start: dt.datetime, hours: float) -> dt.datetime:
    """The moment when `hours` of working time have passed since `start`."""
    if hours < 0:
        raise ValueError("hours must not be negative")
    remaining = dt.timedelta(hours=hours)
    local = start.astimezone(TZ)
    day = local.date()
    cursor = local
    while True:
        if is_workday(day):
            for begin, end in WORK_PERIODS:
                period_start = dt.datetime.combine(day, begin, tzinfo=TZ)
                period_end = dt.datetime.combine(day, end, tzinfo=TZ)
                if cursor >= period_end:
                    continue
                from_moment = max(cursor, period_start)
                available = period_end - from_moment
                if remaining <= available:
                    return from_moment + remaining
                remaining -= available
                cursor = period_end
        day += dt.timedelta(days=1)
        cursor = dt.datetime.combine(day, dt.time(0, 0), tzinfo=TZ)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if is_workday(current):
            count += 1
    return count
