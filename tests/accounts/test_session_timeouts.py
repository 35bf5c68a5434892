"""Staff sessions end after 30 minutes idle and after 12 hours in all; residents' do not."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from lianxin.org.models import Role
from tests.factories import UserFactory, staff

START = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_idle_staff_session_ends_after_thirty_minutes():
    user = staff(Role.HANDLER)
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(user)
        assert client.get("/staff/").status_code == 200
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get("/staff/").status_code == 200  # activity keeps it alive
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get("/staff/").status_code == 200
        traveller.shift(dt.timedelta(minutes=31))
        response = client.get("/staff/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_active_staff_session_still_ends_after_twelve_hours():
    user = staff(Role.OPERATOR)
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(user)
        for _i in range(12 * 3):  # every 20 minutes for 12 hours
            traveller.shift(dt.timedelta(minutes=20))
            last = client.get("/staff/")
        assert last.status_code == 200  # exactly 12 h: still in
        traveller.shift(dt.timedelta(minutes=20))
        assert client.get("/staff/").status_code == 302


@pytest.mark.django_db
def test_a_resident_session_is_not_timed_out_like_staff():
    resident = UserFactory()
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(resident)
        traveller.shift(dt.timedelta(hours=2))
        assert client.get("/mine/").status_code == 200


@pytest.mark.django_db
def test_the_login_page_says_the_session_expired(settings):
    user = staff(Role.HANDLER)
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(user)
        client.get("/staff/")
        traveller.shift(dt.timedelta(minutes=45))
        follow = client.get("/staff/", follow=True)
    assert "长时间未操作" in follow.content.decode()
