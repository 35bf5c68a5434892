"""Issue 16 in a real browser: the case page's suggestion reasons in English, and the monthly report
page at phone width (no sideways page, real buttons)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from lianxin.reports.services import report_generate
from lianxin.supervision.selectors import Period
from tests.appeals import helpers

from .conftest import DESKTOP, PHONE, check_a11y, login, shot

pytestmark = [pytest.mark.browser]

HAN = re.compile(r"[\u3400-\u9fff]")


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


@pytest.mark.parametrize(
    "viewport",
    [
        pytest.param(PHONE, id="phone"),
        pytest.param(DESKTOP, id="desktop"),
    ],
)
def test_the_report_page_fits_a_phone_and_uses_the_buttons(new_page, live_district, viewport):
    d = live_district
    helpers.dispatched(d)
    report = report_generate(
        period=Period.containing(timezone.localdate()), area=d.district, actor=d.supervisor, queue_pdf=False
    )
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


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_generating_a_report_shows_progress_and_opens_it(new_page, live_district, viewport):
    helpers.dispatched(live_district)
    page = new_page(viewport, mobile=viewport is PHONE)
    login(page, "supervisor")
    page.goto("/reports/")
    page.fill("#id_period", Period.containing(timezone.localdate()).label)
    page.click("#generate-report button[type=submit]")
    # while the report is made the page stays: the button is disabled and the status line speaks
    page.wait_for_selector("#generate-status.busy")
    assert "正在生成报告" in page.inner_text("#generate-status")
    page.wait_for_url(re.compile(r"/reports/\d+/$"))
    assert "报告已生成" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
