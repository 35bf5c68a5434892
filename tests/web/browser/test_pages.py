"""Issue 16 in a real browser, at phone and desktop width: the appeal form reports every error at
once with focus on the first; the receipt's copy button; the staff queue as cards on a phone and
without wrapped labels on a desktop."""

from __future__ import annotations

import pytest

from lianxin.appeals.models import Appeal
from tests.appeals import helpers

from .conftest import DESKTOP, PHONE, check_a11y, login, shot

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_empty_submit_shows_every_error_and_focuses_the_first(new_page, live_district, viewport):
    page = new_page(viewport, mobile=viewport is PHONE)
    page.goto("/appeal/new/")
    page.click("main button[type=submit]")
    page.wait_for_selector("#form-errors")
    for field in ("text", "contact_phone", "contact_consent"):
        assert page.is_visible(f"#id_{field}_error"), field
    assert page.evaluate("document.activeElement.id") == "id_text"
    assert page.get_attribute("#form-errors", "role") == "alert"
    assert page.locator("#form-errors a").count() == 3
    check_a11y(page, "submit form, every error")
    shot(page, "submit-all-errors")
    assert Appeal.objects.count() == 0


def test_receipt_copy_button_copies_the_tracking_number(new_page, live_district):
    page = new_page(PHONE, mobile=True)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/appeal/new/")
    page.fill("#id_text", "路灯坏了一个多月，晚上很黑。")
    page.fill("#id_contact_phone", "13812345678")
    page.check("#id_contact_consent")
    page.click("main button[type=submit]")
    page.wait_for_url("**/appeal/receipt/")
    assert page.is_visible("#sent-summary")
    page.click("button[data-copy]")
    page.wait_for_function("document.getElementById('copy-status').textContent.length > 0")
    number = page.inner_text("#tracking-number").strip()
    assert page.evaluate("navigator.clipboard.readText()") == number
    check_a11y(page, "receipt with summary")


def _queue(new_page, district, viewport):
    for i in range(3):
        helpers.submit(
            district, text=f"第{i}栋楼下的路灯坏了一个多月，晚上很黑，老人出门不方便，希望尽快修好。"
        )
    page = new_page(viewport, mobile=viewport is PHONE)
    login(page, "dispatcher")
    page.goto("/staff/queue/to_dispatch/")
    page.wait_for_selector(".queue-table tbody tr")
    return page


def test_queue_rows_are_cards_on_a_phone(new_page, live_district):
    page = _queue(new_page, live_district, PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    row = page.locator(".queue-table tbody tr").first
    assert row.evaluate("r => getComputedStyle(r).display") == "grid"
    box = row.bounding_box()
    assert box
    assert box["width"] <= PHONE["width"]
    assert box["height"] < 300
    for cell in ("td.number a", "td.title", "td[data-label] .status"):
        assert row.locator(cell).is_visible(), cell
    link = row.locator("td.number a").bounding_box()
    assert link
    assert link["height"] >= 24
    check_a11y(page, "queue as cards")
    shot(page, "queue")


def test_no_queue_label_wraps_on_a_desktop(new_page, live_district):
    page = _queue(new_page, live_district, DESKTOP)
    wrapped = page.evaluate("""() => [...document.querySelectorAll(
        '.queue-table th, .queue-table td.nowrap, .queue-table .status, .queue-table td.number')]
        .filter(el => el.getClientRects().length && el.innerText.trim())
        .filter(el => { const r = document.createRange(); r.selectNodeContents(el);
                        const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
                        return tops.size > 1; })
        .map(el => el.innerText)""")
    assert wrapped == []
    shot(page, "queue")
