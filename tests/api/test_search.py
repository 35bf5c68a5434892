"""`GET /api/v1/appeals?q=`: title, text and tracking number, through `selectors.text_search_q`."""

from __future__ import annotations

import pytest

from tests.factories import AppealFactory

pytestmark = pytest.mark.django_db


def test_api_search_title_text_and_tracking_fragment(api, district):
    wifi = AppealFactory(title="社区WiFi信号差", text="图书馆的无线网经常断线", area=district.grid_a)
    lamp = AppealFactory(title="路灯不亮", text="幸福小区门口的路灯坏了", area=district.grid_b)

    def codes(q: str) -> set[str]:
        response = api.get("/appeals", user=district.admin, q=q)
        assert response.status_code == 200, response.content
        assert response.json()["count"] == len(response.json()["results"])
        return {r["tracking_number"] for r in response.json()["results"]}

    assert codes("Wifi") == {wifi.tracking_number}
    assert codes("路灯坏了") == {lamp.tracking_number}
    assert codes(lamp.tracking_number[-8:].lower()) == {lamp.tracking_number}  # a fragment, any case
    assert codes("lx20260101") == {wifi.tracking_number, lamp.tracking_number}
    assert codes("无此内容") == set()
