from __future__ import annotations

import datetime as dt

import pytest

from lianxin.triage.urgency import assess_urgency, default_lexicon


@pytest.mark.parametrize(
    ("text", "trigger"),
    [
        ("三楼厨房燃气泄漏，味道很大", "燃气泄漏"),
        ("楼道里闻到煤气泄漏的味道", "煤气泄漏"),
        ("对面楼着火了，浓烟很大", "着火"),
        ("有人被困在电梯里半小时", "被困"),
        ("邻居家暴，女方一直在哭", "家暴"),
        ("门口有人持刀威胁路人", "持刀"),
        ("他说要跳楼，情绪激动", "跳楼"),
        ("我活不下去了想自杀", "自杀"),
    ],
)
def test_emergencies_flagged_with_triggers(text, trigger):
    u = assess_urgency(text)
    assert u.level == "emergency"
    assert trigger in u.triggers


def test_elderly_alone_and_unwell_is_an_emergency():
    u = assess_urgency("隔壁独居老人摔倒了好几个小时没人发现")
    assert u.level == "emergency"
    assert "独居老人" in u.triggers
    assert "摔倒" in u.triggers
    assert assess_urgency("社区组织独居老人参加活动").level == "normal"


def test_heating_outage_escalates_in_winter():
    assert assess_urgency("小区停暖三天了", when=dt.datetime(2024, 7, 1)).level == "urgent"
    winter = assess_urgency("小区停暖三天了", when=dt.datetime(2024, 12, 20))
    assert winter.level == "emergency"
    assert "停暖" in winter.triggers
    assert assess_urgency("家里没有暖气，零下五度").level == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "小区门口路灯不亮了",
        "建议增加公交线路",
        "学校附近补课现象严重",
        "楼下没有着火，只是有人烧烤冒烟",
        "并未发生火灾",
    ],
)
def test_normal_text_not_flagged(text):
    u = assess_urgency(text)
    assert u.level == "normal", u
    assert u.triggers == []


def test_lexicon_is_extendable():
    lex = default_lexicon()
    lex.extend("emergency", ["山体滑坡"])
    assert assess_urgency("村后山体滑坡了", lexicon=lex).level == "emergency"
    assert assess_urgency("村后山体滑坡了").level == "normal"  # default lexicon untouched
