"""The detectors on hand-built records (no database)."""

from __future__ import annotations

import datetime as dt

from lianxin.proactive import detection
from lianxin.proactive.detection import Record

TODAY = dt.date(2026, 11, 10)


def _r(i: int, day: dt.date, cat: int | None = 1, area: int | None = 10, building: str = "") -> Record:
    return Record(i, cat, area, day, building)


def test_building_key_cuts_the_address_at_the_building():
    assert detection.building_key("幸福路 88 号 3 栋 201") == "幸福路88号3栋"
    assert detection.building_key("和平小区12号楼2单元301") == "和平小区12号楼"
    assert detection.building_key("河边的小路") == ""
    assert detection.building_key("") == ""


def test_recurring_needs_every_whole_month_at_the_threshold():
    records = [_r(i, dt.date(2026, m, 5 + i)) for m in (8, 9, 10) for i in range(3)]
    found = detection.recurring(records, today=TODAY)
    assert [(p.kind, p.category_id, p.area_id, p.facts["counts"]) for p in found] == [
        ("recurring", 1, 10, [3, 3, 3])
    ]
    assert len(found[0].appeal_ids) == 9
    # one month short of the threshold: nothing; the current (partial) month does not count
    fewer = [r for r in records if not (r.submitted_on.month == 9 and r.id == 0)]
    assert detection.recurring([*fewer, _r(99, dt.date(2026, 11, 2))], today=TODAY) == []
    # another area is its own pattern
    assert (
        detection.recurring([_r(r.id, r.submitted_on, area=11) for r in fewer] + records, today=TODAY)[
            0
        ].area_id
        == 10
    )


def test_recurring_key_is_stable_within_a_month():
    records = [_r(i, dt.date(2026, m, 5)) for m in (8, 9, 10) for i in range(3)]
    a = detection.recurring(records, today=TODAY)[0].key
    b = detection.recurring(records, today=TODAY + dt.timedelta(days=5))[0].key
    assert a == b == "recurring:1:10:2026-11"


def test_repeated_buildings_within_the_window():
    b = "幸福路88号3栋"
    records = [
        _r(1, TODAY - dt.timedelta(days=3), building=b),
        _r(2, TODAY - dt.timedelta(days=20), cat=2, building=b),
        _r(3, TODAY - dt.timedelta(days=50), building=b),
        _r(4, TODAY - dt.timedelta(days=90), building=b),
        _r(5, TODAY, building="幸福路88号4栋"),
    ]
    found = detection.repeated_buildings(records, today=TODAY, days=60)
    assert [(p.facts["building"], p.appeal_ids, p.category_id) for p in found] == [(b, [1, 2, 3], 1)]
    assert detection.repeated_buildings(records, today=TODAY, days=30) == []


def test_seasonal_spike_last_year_in_this_or_next_month():
    heating = [_r(i, dt.date(2025, 12, 1 + i), cat=7, area=None) for i in range(6)]
    background = [_r(100 + m, dt.date(2025, m, 15), cat=7) for m in range(1, 12)]
    found = detection.seasonal(heating + background, today=TODAY)
    assert [(p.category_id, p.facts["month"], p.facts["count"]) for p in found] == [(7, 12, 6)]
    # a category as busy every month is not seasonal
    flat = [_r(200 + m * 10 + i, dt.date(2025, m, 3 + i), cat=8) for m in range(1, 13) for i in range(6)]
    assert detection.seasonal(flat, today=TODAY) == []
    # too few to matter
    assert detection.seasonal(heating[:2], today=TODAY) == []


def test_hotspots_become_proposals_above_the_size():
    spots = [
        {"label": "楼道 漏水", "size": 6, "ids": [3, 1, 2, 4, 5, 6], "places": ["D1/S1"]},
        {"label": "噪音", "size": 2, "ids": [7, 8]},
    ]
    found = detection.hotspots(spots, today=TODAY)
    assert [(p.kind, p.appeal_ids[:2], p.facts["label"]) for p in found] == [("hotspot", [1, 2], "楼道 漏水")]
