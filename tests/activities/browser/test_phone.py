"""In Chromium: a resident signs up on a phone (and lands on the waiting list when it is full); the
organiser checks them in from the manual list. Accessibility checked with axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.activities.models import Signup
from tests.activities.factories import make_activity
from tests.web.browser.conftest import PHONE, check_a11y

pytestmark = [pytest.mark.browser]


def _login(page, username: str, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass12345")
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{next_url}")


def test_resident_signs_up_on_a_phone(new_page, live_district, settings):
    settings.AXES_ENABLED = True
    d = live_district
    activity = make_activity(organiser=d.grid_worker_a, area=d.grid_a, capacity=1, title="周末河道清洁")
    page = new_page(PHONE, mobile=True)
    page.goto("/activities/")
    assert page.is_visible("text=周末河道清洁")
    check_a11y(page, "activities calendar (phone)")
    page.click("text=周末河道清洁")
    page.click("text=登录后报名")
    page.fill("#id_username", "resident")
    page.fill("#id_password", "pass12345")
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/activities/{activity.pk}/")
    page.click("#signup")
    page.wait_for_selector("text=报名成功")
    assert "您已报名" in page.inner_text("#my-status")
    check_a11y(page, "activity detail (phone)")
    other = new_page(PHONE, mobile=True)
    _login(other, "other_resident", f"/activities/{activity.pk}/")
    other.click("#signup")
    other.wait_for_selector("text=候补名单第 1 位")
    page.click("text=取消报名")
    page.wait_for_selector("text=已取消报名")
    other.reload()
    assert "您已报名" in other.inner_text("#my-status")


def test_organiser_checks_in_from_the_list_on_a_phone(new_page, live_district):
    d = live_district
    activity = make_activity(organiser=d.grid_worker_a, area=d.grid_a, starts_in=dt.timedelta(minutes=10))
    Signup.objects.create(activity=activity, user=d.resident, status="confirmed", created_at=timezone.now())
    page = new_page(PHONE, mobile=True)
    _login(page, "grid_a", f"/activities/{activity.pk}/manage/")
    assert page.is_visible(".qr svg")
    check_a11y(page, "activity roster (phone)")
    page.click("#roster button[value=check_in]")
    page.wait_for_selector("text=已签到。")
    assert page.is_visible("#roster button[value=check_out]")
