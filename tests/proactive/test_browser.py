"""In Chromium, at phone width: a resident without an account subscribes by a verified phone; a grid
worker publishes a water-cut notice for the grid; the text message reaches the phone and the notice
is on the public list. Accessibility checked with axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.proactive.models import Notice, Subscription
from tests.web.browser.conftest import PHONE, check_a11y, login, patient, verify_phone

pytestmark = pytest.mark.browser
NUMBER = "13700006666"


def test_subscribe_by_phone_then_a_published_notice_arrives(new_page, live_district, sms_outbox):
    d = live_district
    page = patient(new_page(PHONE, mobile=True))
    page.goto("/proactive/subscriptions/")
    check_a11y(page, "subscriptions without an account (phone)")
    verify_phone(page, NUMBER, sms_outbox)
    page.select_option("select[name=area]", "S1")
    page.click("form:has(select[name=area]) button[type=submit]")
    page.wait_for_selector("text=已订阅。")
    assert Subscription.objects.get().phone == NUMBER
    check_a11y(page, "subscriptions with a verified phone (phone)")

    staff = patient(new_page(PHONE, mobile=True))
    login(staff, "grid_a")
    staff.goto("/proactive/notices/manage/")
    check_a11y(staff, "notice form (phone)")
    start = timezone.localtime(timezone.now() + dt.timedelta(days=1)).replace(hour=9, minute=0)
    staff.select_option("#id_kind", "water")
    staff.fill("#id_title", "幸福小区明日停水")
    staff.select_option("#id_area", str(d.grid_a.pk))
    staff.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    staff.fill("#id_ends_at", (start + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"))
    staff.fill("#id_body", "更换主水管，请提前储水。")
    staff.click("text=发布并通知订阅者")
    staff.wait_for_selector("text=已通知 1 位订阅者")
    assert Notice.objects.get().notified == 1
    assert any("幸福小区明日停水" in text for text in sms_outbox.to(NUMBER))

    page.goto("/proactive/notices/")
    page.click("text=幸福小区明日停水")
    page.wait_for_selector("text=更换主水管")
    check_a11y(page, "notice page (phone)")
