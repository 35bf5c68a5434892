"""The portal's "use my location" button: the phone's position goes with the appeal and its grid
is found from the boundaries (docs/geo.md)."""

from __future__ import annotations

import pytest

from lianxin.appeals.models import Appeal
from lianxin.org.locating import set_boundary

from .conftest import PHONE, check_a11y

pytestmark = [pytest.mark.browser]

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[116.31, 39.90], [116.32, 39.90], [116.32, 39.91], [116.31, 39.91], [116.31, 39.90]]],
}


def test_the_phones_location_puts_the_appeal_in_its_grid(new_page, live_district, live_server):
    set_boundary(live_district.grid_b, SQUARE)
    page = new_page(PHONE, mobile=True)
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": 39.905, "longitude": 116.315})
    page.goto("/appeal/new/")
    page.fill("#id_text", "和平小区门口的路灯坏了一个多月，晚上很黑，希望尽快修好。")
    page.fill("#id_contact_phone", "13812345678")
    page.check("#id_contact_consent")
    page.click("#use-location")
    page.wait_for_function("document.querySelector('#id_latitude').value !== ''")
    assert "已附上您的当前位置" in page.inner_text("#location-status")
    check_a11y(page, "submit form with location")
    page.click("main button[type=submit]")
    page.wait_for_url("**/receipt/**")
    assert Appeal.objects.get().area == live_district.grid_b
