"""In Chromium, at phone width: a resident without an account verifies a phone, signs up, opens the
link from the text message and cancels; the waiting list moves up. Accessibility checked."""

from __future__ import annotations

import re

import pytest

from lianxin.activities import services
from lianxin.activities.models import Signup
from tests.activities.factories import make_activity
from tests.web.browser.conftest import PHONE, check_a11y, patient, verify_phone

pytestmark = [pytest.mark.browser]
NUMBER = "13700007777"


def test_sign_up_with_a_verified_phone_and_cancel_by_the_link(new_page, live_district, sms_outbox):
    d = live_district
    activity = make_activity(organiser=d.grid_worker_a, area=d.grid_a, capacity=1, title="重阳节敬老活动")
    page = patient(new_page(PHONE, mobile=True))
    page.goto(f"/activities/{activity.pk}/")
    verify_phone(page, NUMBER, sms_outbox)
    page.fill("#signup-name", "王阿姨")
    check_a11y(page, "activity sign-up by phone (phone)")
    page.click("#signup-phone")
    page.wait_for_selector("text=报名成功")
    assert "您已报名" in page.inner_text("#my-status")
    waiting = services.signup_create(actor=d.resident, activity=activity)
    assert waiting.status == "waitlisted"
    found = re.search(r"(/activities/signups/[\w-]+/)", sms_outbox.to(NUMBER)[-1])
    assert found is not None
    link = found.group(1)
    other = patient(new_page(PHONE, mobile=True))  # another browser: the link alone is the proof
    other.goto(link)
    assert "已报名" in other.inner_text("#phone-signup-status")
    check_a11y(other, "phone sign-up link (phone)")
    other.click("text=取消报名")
    other.wait_for_selector("text=已取消报名")
    assert Signup.objects.get(pk=waiting.pk).status == "confirmed"
