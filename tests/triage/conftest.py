from __future__ import annotations

import random

import pytest

TOPICS = {
    "交通运输": ["公交车", "红绿灯", "道路拥堵", "停车位", "出租车", "地铁站", "公交线路", "驾驶证"],
    "教育文体": ["学校", "老师", "学位", "入学", "幼儿园", "补课", "学生", "教育局"],
    "环境保护": ["噪音", "污染", "排污", "油烟", "粉尘", "异味", "臭气", "环保局"],
    "劳动和社会保障": ["社保", "养老保险", "拖欠工资", "医保", "失业保险", "退休金", "劳动合同", "人社局"],
}
FILLER = ["小区", "附近", "居民", "反映", "希望", "尽快", "处理", "最近", "我们", "这里", "街道", "严重"]


def make_corpus(n_per_class: int = 25, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for label, words in TOPICS.items():
        for _ in range(n_per_class):
            parts = rng.sample(words, 3) + rng.sample(FILLER, 3)
            rng.shuffle(parts)
            texts.append("，".join(parts) + "。")
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="session")
def corpus() -> tuple[list[str], list[str]]:
    return make_corpus()


@pytest.fixture(scope="session")
def toy_model(corpus):
    from lianxin.triage.classifier import train_model

    texts, labels = corpus
    return train_model(texts, labels)
