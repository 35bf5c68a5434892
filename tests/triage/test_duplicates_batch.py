"""`check_many`: a batch checked at once finds what checking its texts one after another finds."""

from __future__ import annotations

import datetime as dt

from lianxin.triage.duplicates import DuplicateIndex
from lianxin.triage.duplicates_batch import check_many

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
KNOWN = [
    (1, "幸福小区3栋门口的路灯坏了一个多月，晚上很黑，希望尽快修好。", "D1/S1/C1/G1", "13812341234"),
    (2, "和平小区东门的垃圾站三天没人清运，气味很大，请环卫部门处理。", "D1/S2/C2/G2", "13900002222"),
    (3, "东街道五金店后面的仓库冒烟起火了，情况紧急。", "D1/S1/C1/G1", None),
    (4, "幸福小区3栋门口路灯坏了一个月了，晚上漆黑，请尽快修。", "D1/S2/C2/G2", None),  # other area
]


def _index() -> DuplicateIndex:
    index = DuplicateIndex()
    index.add_many(
        [k[0] for k in KNOWN],
        [k[1] for k in KNOWN],
        [k[2] for k in KNOWN],
        [NOW] * len(KNOWN),
        [k[3] for k in KNOWN],
    )
    return index


def test_each_text_finds_what_check_finds_among_the_indexed():
    texts = [
        "幸福小区3栋门口的路灯坏了一个多月了，晚上很黑，请尽快修好。",
        "和平小区东门垃圾站三天没人清运，气味很大。",
        "请问办理居住证需要带哪些材料？",
    ]
    areas = ["D1/S1/C1/G1", "D1/S2/C2/G2", "D1/S1"]
    phones = ["13812341234", None, None]
    index = _index()
    one_by_one = [index.check(t, area_code=a, phone=p) for t, a, p in zip(texts, areas, phones, strict=True)]
    # the batch's texts do not resemble each other, so only the indexed appeals can be found
    batch = check_many(index, texts, ids=["b0", "b1", "b2"], area_codes=areas, phones=phones)
    for single, many in zip(one_by_one, batch, strict=True):
        assert [c.id for c in many.candidates] == [c.id for c in single.candidates]
        assert [c.same_phone for c in many.candidates] == [c.same_phone for c in single.candidates]
        for a, b in zip(single.candidates, many.candidates, strict=True):
            assert abs(a.score - b.score) < 0.05  # term statistics include the batch: last digits differ
    assert [c.id for c in batch[0].merge_candidates] == [1]  # not 4: another area
    assert batch[0].candidates[0].same_phone
    assert batch[2].candidates == []
    assert len(index) == len(KNOWN)  # the index itself is unchanged


def test_a_text_is_checked_against_the_batch_items_before_it():
    texts = [
        "南湖路的下水道堵了，污水漫到路面上，气味很大。",
        "南湖路的下水道堵了好几天，污水漫到路面上了，气味很大。",
        "南湖路下水道堵了，污水漫到路面，味道很大。",
    ]
    batch = check_many(
        _index(),
        texts,
        ids=["b0", "b1", "b2"],
        area_codes=["D1/S1"] * 3,
        phones=["13700001111", "13700001111", None],
    )
    assert batch[0].candidates == []  # nothing before it
    assert [c.id for c in batch[1].merge_candidates] == ["b0"]
    assert batch[1].candidates[0].same_phone
    assert {c.id for c in batch[2].merge_candidates} == {"b0", "b1"}
    # another area sees none of them
    other = check_many(
        _index(), texts[:2], ids=["x0", "x1"], area_codes=["D1/S1", "D1/S2"], phones=[None, None]
    )
    assert other[1].candidates == []
