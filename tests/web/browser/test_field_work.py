"""Issue 16 in a real browser, at phone and desktop width: a grid worker records a check with a photo
on a case in their grid; a handler replies with a result type; a dispatcher finds a unit by typing."""

from __future__ import annotations

import pytest

from lianxin.appeals.models import AttachmentSource, EventType
from tests.appeals import helpers

from .conftest import DESKTOP, PHONE, check_a11y, login, shot

pytestmark = [pytest.mark.browser]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


def _fits(page, viewport) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@VIEWPORTS
def test_a_grid_worker_records_a_check_with_a_photo(new_page, live_district, viewport):
    appeal = helpers.accepted(live_district)
    page = new_page(viewport, mobile=viewport is PHONE)
    login(page, "grid_a")
    page.goto(f"/staff/appeals/{appeal.pk}/")
    assert page.locator("#no-actions").count() == 0
    page.click("#action-field_record summary")
    button = page.locator("#action-field_record button[type=submit]")
    if viewport is PHONE:  # a thumb-sized target across the card
        box = button.bounding_box()
        assert box is not None
        assert box["height"] >= 44
        assert box["width"] >= 300
    _fits(page, viewport)
    page.check("#action-field_record input[value=check]")
    page.fill("#id_field_record-note", "已到现场，灯头损坏，已通知维修。")
    page.set_input_files(
        "#id_field_record-photo", files=[{"name": "lamp.png", "mimeType": "image/png", "buffer": PNG}]
    )
    check_a11y(page, "case page, field record form")
    shot(page, "case-grid-worker")
    button.click()
    page.wait_for_selector(".field-kind")
    assert "现场核查" in page.locator(".timeline").inner_text()
    event = appeal.events.get(type=EventType.FIELD_RECORDED)
    assert event.data["kind"] == "check"
    assert appeal.attachments.filter(source=AttachmentSource.FIELD).count() == 1


@VIEWPORTS
def test_a_handler_replies_with_a_result_and_the_contact(new_page, live_district, viewport):
    appeal = helpers.accepted(live_district)
    page = new_page(viewport, mobile=viewport is PHONE)
    login(page, "handler_city")
    page.goto(f"/staff/appeals/{appeal.pk}/")
    page.click("#action-reply summary")
    page.fill("#id_reply-text", "已更换灯头，恢复照明。")
    page.click("#action-reply button[type=submit]")  # no result chosen: said beside the field
    page.wait_for_selector("#id_reply-result_error")
    page.check("#action-reply input[name=reply-result][value=partly]")
    page.select_option("#id_reply-contacted", "phone")
    _fits(page, viewport)
    page.click("#action-reply button[type=submit]")
    page.wait_for_selector("#reply-result")
    assert "部分解决" in page.inner_text("#reply-result")
    assert appeal.events.filter(type=EventType.RESIDENT_CONTACTED).count() == 1


@VIEWPORTS
def test_the_dispatcher_finds_a_unit_by_typing(new_page, live_district, viewport):
    appeal = helpers.submit(live_district)
    page = new_page(viewport, mobile=viewport is PHONE)
    login(page, "dispatcher")
    page.goto(f"/staff/appeals/{appeal.pk}/")
    page.click("#action-dispatch summary")
    search = page.locator("#action-dispatch input.unit-search")
    search.fill("环境")
    options = page.locator("#id_dispatch-unit option:not([value=''])").all_inner_texts()
    assert options == ["生态环境局"]
    assert page.input_value("#id_dispatch-unit") == str(live_district.unit_env.pk)  # one match: chosen
    search.fill("东街道")  # a street's name keeps its whole group
    assert page.locator("#id_dispatch-unit optgroup").all()
    assert page.locator("#id_dispatch-unit option", has_text="东街道办").count() == 1
    _fits(page, viewport)
    check_a11y(page, "case page, unit search")
    search.fill("环境")
    page.click("#action-dispatch button[type=submit]")
    page.wait_for_selector("#appeal-status:has-text('已派单')")
    assert page.inner_text("#appeal-unit") == "生态环境局"
