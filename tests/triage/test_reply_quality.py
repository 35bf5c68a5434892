from __future__ import annotations

import datetime as dt

from lianxin.triage.reply_quality import score_reply

APPEAL = "幸福小区3栋门口的路灯坏了一个多月，晚上一片漆黑，老人出行摔倒过，希望尽快修复。"
CONCRETE = (
    "经核实，幸福小区3栋门口路灯因线路老化损坏。我局已安排维修人员于3月5日到现场更换线路并修复路灯，"
    "目前路灯已恢复正常照明。后续将每周巡查。如有问题请联系市政管理所，电话0731-84512345。"
)
BOILERPLATE = "网友您好，您的留言已收悉，感谢您的关注，已转交相关部门处理。"


def test_concrete_reply_scores_above_boilerplate():
    good = score_reply(APPEAL, CONCRETE)
    bad = score_reply(APPEAL, BOILERPLATE)
    assert good.overall > bad.overall + 0.3
    assert good.relevance > bad.relevance
    assert good.completeness > bad.completeness
    assert all(0 <= v <= 1 for v in (good.relevance, good.completeness, good.overall))
    assert any("boilerplate" in r for r in bad.reasons)


def test_timeliness():
    t0 = dt.datetime(2024, 3, 1, 9)
    fast = score_reply(APPEAL, CONCRETE, t0, t0 + dt.timedelta(days=2))
    slow = score_reply(APPEAL, CONCRETE, t0, t0 + dt.timedelta(days=45))
    assert fast.timeliness == 1.0
    assert slow.timeliness is not None
    assert slow.timeliness < 0.5
    assert fast.overall > slow.overall
    assert score_reply(APPEAL, CONCRETE).timeliness is None


def test_empty_reply():
    assert score_reply(APPEAL, "").overall == 0.0
