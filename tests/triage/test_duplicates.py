from __future__ import annotations

import datetime as dt
import random

from lianxin.triage.duplicates import DuplicateIndex

PLACES = ["幸福", "阳光", "和平", "东方", "金色", "翠湖", "枫林", "锦绣", "南湖", "星城"]
SUFFIX = ["小区", "花园", "家园", "新村", "苑"]
ISSUES = [
    "门口的路灯坏了很久没人修",
    "楼下餐馆油烟扰民严重",
    "垃圾站臭气熏天夏天更严重",
    "物业乱收停车费",
    "电梯经常故障停运",
    "下水道堵塞污水外溢",
    "晚上广场舞噪音太大",
    "小区内违章搭建阳光房",
]


def distractors(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [
        f"{rng.choice(PLACES)}{rng.choice(SUFFIX)}{rng.randint(1, 30)}栋"
        f"{rng.choice(ISSUES)}，{rng.choice(ISSUES)}"
        for _ in range(n)
    ]


def build(n: int = 3000) -> DuplicateIndex:
    idx = DuplicateIndex(flush_size=256)
    texts = distractors(n)
    idx.add_many(list(range(n)), texts, area_codes=["A1"] * n)
    idx.add("planted", "龙湾国际社区北门外的排水沟被建筑垃圾堵死，一下雨就淹到膝盖", area_code="A3/B2")
    return idx


def test_finds_planted_duplicate_among_distractors():
    idx = build()
    hits = idx.query("龙湾国际社区北门排水沟堵死了，下雨就被淹，建筑垃圾没人清", area_code="A3")
    assert hits
    assert hits[0][0] == "planted"
    assert 0.3 < hits[0][1] <= 1.0


def test_unrelated_text_not_matched():
    idx = build()
    assert all(i != "planted" for i, _ in idx.query("希望增开一条通往火车站的公交线路"))
    assert idx.query("完全无关的外文 qwerty zxcvb") == []


def test_area_filter_excludes_other_places():
    idx = build()
    assert idx.query("龙湾国际社区北门排水沟堵死下雨被淹", area_code="C9") == []


def test_repeat_appellant_flagged():
    idx = build(500)
    idx.add("mine", "翠湖花园3栋楼下餐馆油烟扰民严重，多次反映无果", phone="13912345678")
    check = idx.check("翠湖花园3栋楼下餐馆油烟扰民，还是没人管", phone="139-1234-5678")
    assert check.is_repeat
    assert check.repeat_of[0].id == "mine"
    other = idx.check("翠湖花园3栋楼下餐馆油烟扰民，还是没人管", phone="13700000000")
    assert not other.is_repeat
    assert any(c.id == "mine" for c in other.candidates)


def test_remove_and_expire():
    idx = DuplicateIndex(flush_size=8)
    old = dt.datetime(2024, 1, 1)
    new = dt.datetime(2024, 6, 1)
    for i, t in enumerate(distractors(40, seed=2)):
        idx.add(i, t, time=old if i < 20 else new)
    idx.add("x", "龙湾国际社区北门外的排水沟被建筑垃圾堵死", time=new)
    assert idx.query("龙湾国际社区北门排水沟堵死")[0][0] == "x"
    assert idx.remove("x")
    assert "x" not in idx
    assert idx.query("龙湾国际社区北门排水沟堵死") == []
    assert idx.expire(dt.datetime(2024, 3, 1)) == 20
    assert len(idx) == 20
    assert all(int(str(i)) >= 20 for i, _ in idx.query(distractors(1, seed=2)[0], k=50, min_score=0.0))


def test_recent_window():
    idx = DuplicateIndex(window=dt.timedelta(days=30))
    idx.add("old", "南湖新村垃圾站臭气熏天", time=dt.datetime(2024, 1, 1))
    idx.add("new", "星城家园电梯经常故障", time=dt.datetime(2024, 6, 1))
    assert idx.query("南湖新村的垃圾站臭气熏天") == []


def test_replacing_an_id():
    idx = DuplicateIndex()
    idx.add(1, "南湖新村垃圾站臭气熏天")
    idx.add(1, "星城家园电梯经常故障")
    assert len(idx) == 1
    assert idx.query("南湖新村垃圾站臭气熏天") == []
