"""Issue 16 in a real browser: a chased appeal's card on a phone, the case page's suggestion reasons
in English, and the monthly report page at phone width (no sideways page, real buttons)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.reports.services import report_generate
from lianxin.supervision.selectors import Period
from tests.appeals import helpers

from .conftest import DESKTOP, PHONE, check_a11y, login, shot

pytestmark = [pytest.mark.browser]

HAN = re.compile(r"[\u3400-\u9fff]")


def test_a_chased_appeal_shows_its_chases_on_its_card(new_page, live_district):
    d = live_district
    for i in range(2):
        helpers.submit(d, text=f"第{i}栋楼下的路灯坏了一个多月，晚上很黑，希望尽快修好。")
    chased = helpers.submit(d, text="幸福小区路灯坏了，已经打过电话，还是没人来修。")
    for _ in range(2):
        services.appeal_chase(appeal=chased, actor=Actor.staff(d.operator), kind="chase", note="群众再次来电")
    page = new_page(PHONE, mobile=True)
    login(page, "dispatcher")
    page.goto("/staff/queue/to_dispatch/")
    row = page.locator(".queue-table tbody tr", has_text=chased.tracking_number)
    assert row.locator(".chase-count").inner_text().strip() == "催办 2 次"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = row.bounding_box()
    assert box and box["width"] <= PHONE["width"]
    check_a11y(page, "queue with a chased appeal")
    shot(page, "queue-chased")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_suggestion_reasons_read_in_english(new_page, live_district, live_server, viewport):
    d = live_district
    appeal = helpers.submit(d)
    page = new_page(viewport, mobile=viewport is PHONE)
    login(page, "dispatcher")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"/staff/appeals/{appeal.pk}/")
    reasons = page.locator("#h-suggest ~ dl dd").last.inner_text()
    assert reasons.startswith("Dispatch catalogue: ")
    for name in (d.unit_city.name, d.cat_city.name, d.district.name):
        reasons = reasons.replace(name, "")
    assert not HAN.search(reasons), reasons  # no Chinese beyond the names of units, categories, areas
    check_a11y(page, "case page in English")
    shot(page, "case-english")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_report_page_fits_a_phone_and_uses_the_buttons(new_page, live_district, viewport):
    d = live_district
    helpers.dispatched(d)
    report = report_generate(period=Period.containing(timezone.localdate()), area=None, actor=d.supervisor,
                             queue_pdf=False)
    page = new_page(viewport, mobile=viewport is PHONE)
    login(page, "supervisor")
    page.goto(f"/reports/{report.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert page.locator("main nav[aria-label]").count() == 1  # one navigation line, not two
    for button in page.locator("main form button").all():
        assert "btn" in (button.get_attribute("class") or ""), button.inner_text()
    assert page.locator("th", has_text="催办件").count() >= 1
    check_a11y(page, "report page")
    shot(page, "report")
