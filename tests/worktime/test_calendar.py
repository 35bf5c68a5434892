from __future__ import annotations

import datetime as dt

import pytest

from lianxin.worktime import calendar
from lianxin.worktime.models import CalendarDay

TZ = calendar.TZ


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=TZ)


@pytest.mark.django_db
class TestWorkingDays:
    def test_national_day_holiday_is_skipped(self):
        # Wed 2026-09-30 + 1 working day: 1–7 October are the National Day holiday.
        assert calendar.add_working_days(at(2026, 9, 30), 1) == at(2026, 10, 8, 18, 0)

    def test_adjusted_saturday_counts_as_a_working_day(self):
        # Fri 2026-10-09 + 1 working day is Saturday 10 October, an adjusted working day (调休上班).
        assert calendar.add_working_days(at(2026, 10, 9), 1) == at(2026, 10, 10, 18, 0)
        # ... and Sunday 11 October is a rest day, so the next one is Monday.
        assert calendar.add_working_days(at(2026, 10, 10), 1) == at(2026, 10, 12, 18, 0)

    def test_ordinary_weekend_is_skipped(self):
        assert calendar.add_working_days(at(2026, 11, 27), 1) == at(2026, 11, 30, 18, 0)

    def test_zero_days_ends_today_or_next_working_day(self):
        assert calendar.add_working_days(at(2026, 11, 25), 0) == at(2026, 11, 25, 18, 0)
        assert calendar.add_working_days(at(2026, 11, 28), 0) == at(2026, 11, 30, 18, 0)

    def test_negative_days_refused(self):
        with pytest.raises(ValueError, match="days must not be negative"):
            calendar.add_working_days(at(2026, 11, 25), -1)


@pytest.mark.django_db
class TestWorkingHours:
    def test_hours_within_a_morning(self):
        assert calendar.add_working_hours(at(2026, 11, 25, 9, 0), 2) == at(2026, 11, 25, 11, 0)

    def test_lunch_break_is_not_counted(self):
        assert calendar.add_working_hours(at(2026, 11, 25, 11, 0), 2) == at(2026, 11, 25, 14, 30)

    def test_evening_submission_starts_next_working_morning(self):
        assert calendar.add_working_hours(at(2026, 11, 27, 20, 0), 1) == at(2026, 11, 30, 10, 0)

    def test_hours_span_the_national_day_holiday(self):
        # 4 working hours from 16:00 on 30 September: 2 that day, the rest on 8 October.
        assert calendar.add_working_hours(at(2026, 9, 30, 16, 0), 4) == at(2026, 10, 8, 11, 0)


@pytest.mark.django_db
class TestAdministratorSchedule:
    def test_unknown_year_falls_back_to_weekdays(self):
        # The package does not know 2027 yet; Friday 1 January 2027 then counts as a working day.
        assert calendar.is_workday(dt.date(2027, 1, 1))

    def test_entered_holiday_and_adjusted_day_win(self):
        CalendarDay.objects.create(date=dt.date(2027, 1, 1), is_workday=False, note="元旦")
        CalendarDay.objects.create(date=dt.date(2027, 1, 2), is_workday=True, note="调休上班")
        calendar.clear_cache()
        assert not calendar.is_workday(dt.date(2027, 1, 1))
        assert calendar.is_workday(dt.date(2027, 1, 2))
        # Thu 31 Dec 2026 + 1 working day skips the entered holiday and lands on the adjusted Saturday.
        assert calendar.add_working_days(at(2026, 12, 31), 1) == at(2027, 1, 2, 18, 0)

    def test_working_days_between(self):
        assert (
            calendar.working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 12)) == 4
        )  # 8, 9, 10 (adjusted Saturday) and 12 October
