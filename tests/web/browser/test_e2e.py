"""The whole journey in a real browser: a resident raises an appeal on a phone, staff dispatch, accept
and reply, the resident rates it, and everyone sees it closed. Accessibility checked with axe-core."""

from __future__ import annotations

import re

import pytest

from lianxin.appeals.models import Appeal, Status

from .conftest import DESKTOP, PHONE, check_a11y, login, logout, shot

pytestmark = [pytest.mark.browser]

TEXT = "幸福小区3栋门口的路灯坏了一个多月，晚上很黑，老人出门不方便，希望尽快修好。"


def raise_appeal(page) -> str:
    page.goto("/")
    check_a11y(page, "home")
    page.click("main a[href='/appeal/new/']")
    page.wait_for_url("**/appeal/new/")
    page.check("input[name=kind][value=complaint]")
    page.fill("#id_text", TEXT)
    assert page.inner_text("#text-counter").startswith(f"{len(TEXT)} /")
    with page.expect_response(lambda r: "/appeal/areas/" in r.url):
        page.select_option("#id_street", "S1")
    page.wait_for_selector("#id_community option[value=C1]", state="attached")
    with page.expect_response(lambda r: "/appeal/areas/" in r.url):
        page.select_option("#id_community", "C1")
    page.wait_for_selector("#id_grid option[value=G1]", state="attached")
    page.select_option("#id_grid", "G1")
    page.fill("#id_address", "幸福小区3栋门口")
    page.fill("#id_contact_name", "李大爷")
    page.fill("#id_contact_phone", "13812345678")
    page.check("#id_contact_consent")
    check_a11y(page, "submit form")
    page.click("main button[type=submit]")
    page.wait_for_url("**/appeal/receipt/")
    check_a11y(page, "receipt")
    number = page.inner_text("#tracking-number").strip()
    assert re.fullmatch(r"LX\d{8}-\d{6}", number)
    assert "预计答复时间" in page.inner_text("main")
    return number


def test_resident_to_closed_across_roles(new_page, live_district):
    district = live_district
    resident = new_page(PHONE, mobile=True)
    number = raise_appeal(resident)
    appeal = Appeal.objects.get(tracking_number=number)
    assert appeal.area is not None
    assert appeal.status == Status.SUBMITTED
    assert appeal.area.code == "G1"

    # the dispatcher logs in and dispatches it
    staff = new_page(DESKTOP)
    login(staff, "dispatcher")
    check_a11y(staff, "staff home")
    staff.click("#count-to_dispatch")
    staff.wait_for_selector(f"text={number}")
    check_a11y(staff, "queue")
    staff.click(f"text={number}")
    staff.wait_for_url(f"**/staff/appeals/{appeal.pk}/")
    check_a11y(staff, "case page")
    staff.click("#action-dispatch summary")
    staff.select_option("#id_dispatch-unit", str(district.unit_city.pk))
    staff.click("#action-dispatch button[type=submit]")
    staff.wait_for_selector("#appeal-status:has-text('已派单')")
    assert staff.inner_text("#appeal-unit") == "城管局"
    logout(staff)

    # the handler accepts and replies
    login(staff, "handler_city")
    staff.click("#count-to_accept")
    staff.click(f"text={number}")
    staff.click("#action-accept summary")
    staff.click("#action-accept button[type=submit]")
    staff.wait_for_selector("#appeal-status:has-text('已签收')")
    staff.click("#action-reply summary")
    staff.fill("#id_reply-text", "已更换路灯灯泡，现已恢复照明。")
    staff.check("#action-reply input[name=reply-result][value=resolved]")
    staff.click("#action-reply button[type=submit]")
    staff.wait_for_selector("#appeal-status:has-text('已答复')")

    # the resident tracks and rates it (on the phone)
    resident.goto("/track/")
    check_a11y(resident, "track page")
    resident.fill("#id_tracking_number", number)
    resident.fill("#id_secret", "5678")
    resident.click("main button[type=submit]")
    resident.wait_for_url(f"**/track/{number}/")
    assert "已更换路灯灯泡" in resident.inner_text("#reply-text")
    check_a11y(resident, "track detail")
    resident.check("input[name=satisfaction][value=satisfied]")
    resident.check("input[name=solved][value=yes]")
    resident.fill("#id_comment", "修得很快，谢谢！")
    shot(resident, "rate")
    resident.click("#h-rate ~ form button[type=submit]")
    resident.wait_for_selector("#appeal-status:has-text('已办结')")

    # closed in every role's view
    staff.reload()
    assert "已办结" in staff.inner_text("#appeal-status")
    assert staff.is_visible("#no-actions")
    logout(staff)
    for username in ("dispatcher", "supervisor", "admin"):
        login(staff, username)
        staff.goto(f"/staff/appeals/{appeal.pk}/")
        assert "已办结" in staff.inner_text("#appeal-status"), username
        logout(staff)
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
    assert appeal.satisfaction == "satisfied"


def test_refused_action_not_offered(new_page, live_district):
    from tests.appeals import helpers

    appeal = helpers.dispatched(live_district)
    page = new_page(DESKTOP)
    login(page, "handler_city")
    page.goto(f"/staff/appeals/{appeal.pk}/")
    assert page.is_visible("#action-accept")
    assert page.is_visible("#action-return")
    for refused in ("dispatch", "reply", "merge", "answer_directly"):
        assert page.locator(f"#action-{refused}").count() == 0, refused
    logout(page)
    login(page, "handler_env")
    response = page.goto(f"/staff/appeals/{appeal.pk}/")
    assert response is not None
    assert response.status == 404
    assert "没有找到该诉求" in page.inner_text("main")


def test_bad_form_keeps_text_and_shows_error(new_page, live_district):
    page = new_page(PHONE, mobile=True)
    page.goto("/appeal/new/")
    page.fill("#id_text", TEXT)
    page.fill("#id_contact_phone", "1390012")
    page.check("#id_contact_consent")
    page.click("main button[type=submit]")
    page.wait_for_selector("#id_contact_phone_error")
    assert "手机号应为 11 位，现在是 7 位" in page.inner_text("#id_contact_phone_error")
    assert page.input_value("#id_text") == TEXT
    assert page.get_attribute("#id_contact_phone", "aria-invalid") == "true"
    check_a11y(page, "submit form with errors")
    shot(page, "submit-error")
    assert Appeal.objects.count() == 0


def test_hotline_by_keyboard_alone(new_page, live_district):
    from tests.appeals import helpers

    earlier = helpers.submit(live_district, contact_phone="13912345678")
    page = new_page(DESKTOP)
    login(page, "operator")
    page.goto("/staff/hotline/")
    check_a11y(page, "hotline form")
    kb = page.keyboard
    # the phone field has the focus
    assert page.evaluate("document.activeElement.id") == "id_contact_phone"
    kb.type("13912345678")
    page.wait_for_selector(f"#similar >> text={earlier.tracking_number}")
    kb.press("Tab")
    kb.type("王阿姨")
    kb.press("Tab")
    kb.type("请问老年证在哪里办理？需要带什么材料？")
    kb.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_kind"
    kb.type("1")  # type-ahead in the select: "1 咨询"
    assert page.input_value("#id_kind") == "inquiry"
    kb.press("Tab")
    kb.type("C1")
    assert page.input_value("#id_area") == "C1"
    kb.press("Tab")
    kb.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_answer"
    kb.type("带身份证和一寸照片到街道便民服务中心办理。")
    kb.press("Enter")
    page.wait_for_selector("#last-appeal")
    appeal = Appeal.objects.exclude(pk=earlier.pk).get()
    assert appeal.channel == "hotline"
    assert appeal.kind == "inquiry"
    assert appeal.status == Status.CLOSED
    assert appeal.area is not None
    assert appeal.area.code == "C1"
    assert appeal.contact_name == "王阿姨"
    assert "已登记并当场办结" in page.inner_text("main")
    # ready for the next call
    assert page.evaluate("document.activeElement.id") == "id_contact_phone"


def test_elderly_and_english_switches(new_page, live_district):
    page = new_page(PHONE, mobile=True)
    page.goto("/")
    page.click("text=大字模式")
    page.wait_for_selector("html.elderly")
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 19
    check_a11y(page, "home (elderly)")
    shot(page, "home-elderly")
    page.goto("/track/")
    assert page.evaluate("document.documentElement.classList.contains('elderly')")  # remembered
    page.click("text=English")
    page.wait_for_selector("html[lang=en]")
    assert "Track" in page.inner_text("h1")
    shot(page, "track-english")
