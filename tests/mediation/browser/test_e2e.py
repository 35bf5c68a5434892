"""In Chromium: a resident asks for mediation on a phone; the dispatcher assigns it; the mediator
records a session from the case page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from lianxin.mediation.models import MediationCase, Status
from tests.web.browser.conftest import PHONE

from ..factories import mediator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass12345")
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_resident_asks_on_a_phone_and_mediator_records_a_session(new_page, live_district):
    district = live_district
    the_mediator = mediator(district.community_a)
    the_mediator.set_password("pass12345")
    the_mediator.save()

    phone = new_page(PHONE, mobile=True)
    _login(phone, "resident")
    phone.goto("/mediation/")
    phone.click("#ask-mediation")
    phone.fill("#id_title", "楼上漏水纠纷")
    phone.select_option("#id_dispute_type", "neighbour")
    phone.select_option("#id_area", district.community_a.code)
    phone.fill("#id_description", "楼上卫生间漏水到楼下，维修费用谈不拢。")
    phone.fill("#id_applicant_name", "李建国")
    phone.fill("#id_applicant_phone", "13811112222")
    phone.fill("#id_respondent_name", "王秀英")
    phone.fill("#id_respondent_phone", "13933334444")
    phone.check("#id_consent")
    phone.click("#mediation-request button[type=submit]")
    phone.wait_for_url("**/mediation/mine/*/")
    case = MediationCase.objects.get()
    assert phone.inner_text("#case-number") == case.number
    assert "王**" in phone.inner_text("#parties")

    desk = new_page()
    _login(desk, "dispatcher")
    desk.goto(f"/mediation/staff/{case.pk}/")
    desk.click("#act-accept summary")
    desk.click("#act-accept button[type=submit]")
    desk.wait_for_selector("#act-assign")
    desk.click("#act-assign summary")
    desk.select_option("#id_assign-mediator", str(the_mediator.pk))
    desk.click("#act-assign button[type=submit]")
    desk.wait_for_selector("text=已指派调解员")

    m = new_page()
    _login(m, "mediator")
    m.goto(f"/mediation/staff/{case.pk}/")
    assert "13933334444" in m.inner_text("#parties")  # the mediator sees the parties in full
    m.click("#act-record_session summary")
    m.fill("#id_record_session-held_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    m.fill("#id_record_session-attendees", "李建国、王秀英")
    m.fill("#id_record_session-notes", "双方同意按六比四分担维修费用。")
    m.click("#act-record_session button[type=submit]")
    m.wait_for_selector("#sessions")
    assert "六比四" in m.inner_text("#sessions")
    case.refresh_from_db()
    assert case.status == Status.IN_MEDIATION
