"""A grid worker logs a visit on a phone: typed offline, kept over a reload, sent once back online."""

from __future__ import annotations

import pytest

from tests.web.browser.conftest import PHONE, check_a11y, login

pytestmark = pytest.mark.browser


@pytest.fixture
def live_outreach(transactional_db, settings):
    from tests.factories import District

    from .factories import Outreach

    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    return Outreach(District())


def test_visit_draft_survives_offline_and_reload_then_is_sent_once(new_page, live_outreach):
    from lianxin.outreach.models import Visit

    page = new_page(PHONE, mobile=True)
    login(page, "grid_a")
    url = f"/outreach/households/{live_outreach.house_a.pk}/visit/"
    page.goto(url)
    check_a11y(page, "visit form")
    page.fill("textarea[name=said]", "老人希望加装扶手")
    page.locator("input[name=concern_text]").first.fill("楼道灯不亮")
    page.context.set_offline(True)
    page.click("#visit-form button[type=submit]")
    assert "没有网络" in page.locator("#draft-status").inner_text()
    assert Visit.objects.count() == 0
    page.context.set_offline(False)
    page.reload()
    assert page.input_value("textarea[name=said]") == "老人希望加装扶手"
    assert page.locator("input[name=concern_text]").first.input_value() == "楼道灯不亮"
    page.click("#visit-form button[type=submit]")
    page.wait_for_url("**/households/*/?saved=*")
    assert Visit.objects.count() == 1
    visit = Visit.objects.get()
    assert visit.said == "老人希望加装扶手"
    assert visit.concerns.get().text == "楼道灯不亮"
    page.goto(url)  # the draft was cleared once the visit was saved
    assert page.input_value("textarea[name=said]") == ""


def test_visit_with_a_photo_taken_on_the_phone(new_page, live_outreach, tmp_path):
    from lianxin.outreach.models import VisitPhoto

    photo = tmp_path / "door.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    page = new_page(PHONE, mobile=True)
    page.set_default_timeout(60_000)  # a shared two-core machine can be slow to serve a page
    page.set_default_navigation_timeout(60_000)
    login(page, "grid_a")
    page.goto(f"/outreach/households/{live_outreach.house_a.pk}/visit/")
    page.fill("textarea[name=said]", "门口台阶破损")
    page.set_input_files("input[name=photos]", str(photo))
    page.click("#visit-form button[type=submit]")
    page.wait_for_url("**/households/*/?saved=*")
    assert VisitPhoto.objects.count() == 1
    assert page.locator("img[alt^='走访照片']").count() == 1
    check_a11y(page, "household with a visit photo (phone)")
