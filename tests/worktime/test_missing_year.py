"""A year whose holiday schedule nobody knows is not silently Mon–Fri: checks and a banner say so."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from lianxin.org.models import Role
from lianxin.worktime import calendar
from lianxin.worktime.checks import calendar_schedule, calendar_schedule_deploy
from lianxin.worktime.models import CalendarDay
from tests.factories import staff

pytestmark = pytest.mark.django_db

# chinesecalendar 1.11 knows the years up to 2026; these tests pick years relative to that
LAST_KNOWN = max(y for y in range(2020, 2100) if calendar.package_knows(y))
UNKNOWN = LAST_KNOWN + 1


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=calendar.TZ), tick=False)


def test_next_year_is_missing_only_from_december():
    assert calendar.missing_schedules(dt.date(LAST_KNOWN, 11, 30)) == []
    assert calendar.missing_schedules(dt.date(LAST_KNOWN, 12, 1)) == [UNKNOWN]
    assert calendar.missing_schedules(dt.date(UNKNOWN, 3, 1)) == [UNKNOWN]


def test_an_administrators_holidays_make_the_year_known():
    CalendarDay.objects.create(date=dt.date(UNKNOWN, 1, 1), is_workday=False, note="元旦")
    calendar.clear_cache()
    assert calendar.missing_schedules(dt.date(LAST_KNOWN, 12, 1)) == []


def test_check_warns_and_the_deploy_check_fails_in_production(settings):
    with at(dt.date(LAST_KNOWN, 12, 2)):
        warnings = calendar_schedule(None)
        assert [w.id for w in warnings] == ["worktime.W001"]
        assert str(UNKNOWN) in warnings[0].msg
        settings.DEBUG = False
        assert [e.id for e in calendar_schedule_deploy(None)] == ["worktime.E001"]
        with pytest.raises(SystemCheckError, match=str(UNKNOWN)):
            call_command("check", "--deploy", "--tag", "lianxin")
        settings.DEBUG = True
        assert calendar_schedule_deploy(None) == []
    with at(dt.date(LAST_KNOWN, 11, 2)):
        assert calendar_schedule(None) == []
        assert calendar_schedule_deploy(None) == []


def test_the_admins_home_shows_the_gap_others_do_not(district):
    with at(dt.date(LAST_KNOWN, 12, 2)):
        html = client_for(district.admin).get("/staff/").content.decode()
        assert 'id="calendar-gaps"' in html
        assert str(UNKNOWN) in html
        assert 'id="calendar-gaps"' not in client_for(staff(Role.DISPATCHER)).get("/staff/").content.decode()
    with at(dt.date(LAST_KNOWN, 11, 2)):
        assert 'id="calendar-gaps"' not in client_for(district.admin).get("/staff/").content.decode()
