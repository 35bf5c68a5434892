from __future__ import annotations

import datetime as dt
import random

from lianxin.triage.hotspots import find_hotspots

POOL = "东南西北金银星月花草林湖山河泉溪桥岭峰岗坪塘湾港洲岛园苑城村庄田枫松柏竹梅兰菊桂樟杨柳槐榕"
TOPICS = [
    "路灯不亮",
    "噪音扰民",
    "油烟污染",
    "垃圾堆积",
    "乱停车",
    "占道经营",
    "电梯故障",
    "漏水",
    "停车收费",
    "违章搭建",
    "学位紧张",
    "公交班次少",
    "社保转移",
    "工资拖欠",
    "医院排队",
    "物业服务差",
    "绿化被毁",
    "下水道堵塞",
    "狗吠扰民",
    "广告牌松动",
]


def distractors(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        place = "".join(rng.choices(POOL, k=3)) + rng.choice(["小区", "路", "社区", "村"])
        topic = rng.sample(TOPICS, 2)
        out.append(f"{place}{topic[0]}，另外{topic[1]}也要管一管，第{rng.randint(1, 99)}次反映")
    return out


def test_planted_hotspot_is_found_and_ranked_first():
    rng = random.Random(5)
    base = dt.datetime(2024, 5, 1)
    records = [
        {
            "id": f"d{i}",
            "title": t[:14],
            "text": t,
            "time": base + dt.timedelta(hours=rng.randint(0, 700)),
            "votes": rng.randint(0, 2),
        }
        for i, t in enumerate(distractors(1500, seed=11))
    ]
    variants = [
        "夜间施工噪音扰民",
        "搅拌站半夜施工太吵",
        "搅拌站粉尘和噪音污染",
        "半夜搅拌站还在作业",
        "搅拌站噪音严重影响休息",
    ]
    planted = []
    for i in range(25):
        v = rng.choice(variants)
        planted.append(
            {
                "id": f"p{i}",
                "title": f"龙湾国际社区旁{v}",
                "text": f"龙湾国际社区旁边的搅拌站{v}，居民无法入睡，请求处理。",
                "time": base + dt.timedelta(hours=400 + rng.randint(0, 300)),
                "votes": 5,
            }
        )
    spots = find_hotspots(records + planted, top=5)
    assert spots, "no hotspot found"
    first = spots[0]
    members = set(first.ids)
    assert len(members & {p["id"] for p in planted}) >= 20
    assert len(members - {p["id"] for p in planted}) <= 2
    assert "龙湾国际社区" in first.label or "搅拌站" in first.label
    assert len(first.examples) == 3
    assert first.growth > 1  # all in the later half of the period


def test_period_filter_and_empty():
    assert find_hotspots([]) == []
    recs = [
        {"id": i, "title": "搅拌站噪音扰民", "text": "", "time": dt.datetime(2024, 1, 1)} for i in range(5)
    ]
    assert find_hotspots(recs, start=dt.datetime(2024, 2, 1)) == []
