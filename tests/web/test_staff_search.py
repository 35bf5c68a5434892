"""The staff queue's search box goes through `selectors.text_search_q`: same results as before."""

from __future__ import annotations

import pytest

from tests.factories import AppealFactory

pytestmark = pytest.mark.django_db


def test_queue_search_latin_chinese_and_literal_wildcards(client_for, district):
    wifi = AppealFactory(title="社区WiFi信号差", text="图书馆的无线网经常断线", area=district.grid_a)
    rate = AppealFactory(title="水费上涨50%", text="一下子涨了一半", area=district.grid_a)
    lamp = AppealFactory(title="路灯不亮", text="幸福小区门口的路灯坏了", area=district.grid_b)
    c = client_for(district.dispatcher)

    def listed(q: str) -> set[str]:
        html = c.get("/staff/queue/all/", {"q": q}).content.decode()
        return {a.tracking_number for a in (wifi, rate, lamp) if a.tracking_number in html}

    assert listed("wifi") == listed("WIFI") == {wifi.tracking_number}
    assert listed("路灯") == {lamp.tracking_number}  # 2 characters: no trigram, still found
    assert listed("小区门口的路灯") == {lamp.tracking_number}
    assert listed("50%") == listed("%") == {rate.tracking_number}
    assert listed("_") == set()
    assert listed(rate.tracking_number) == {rate.tracking_number}  # the tracking-number shortcut stays
