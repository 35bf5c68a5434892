"""The lexicon sentiment of short Chinese opinions: negation, degree, adversatives, questions."""

from __future__ import annotations

import pytest

from lianxin.triage.sentiment import extend, score, tally


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("非常支持这个方案，希望早日实施", "positive"),  # "非常" is a degree adverb, not the negator "非"
        ("我反对，噪音太大会扰民", "negative"),
        ("没有问题，同意", "positive"),  # a negated negative word counts for
        ("这个规定不合理", "negative"),
        ("不支持", "negative"),
        ("方案挺好，但是停车位不够，担心拥堵", "negative"),  # what follows "但是" weighs more
        ("停车收费标准是多少？", "neutral"),
        ("第三条写得清楚吗", "neutral"),  # a question does not judge
        ("", "neutral"),
    ],
)
def test_labels(text, label):
    assert score(text).label == label


def test_negation_and_degree_are_recorded():
    s = score("很不满意")
    assert s.negative == ("不满意",)
    assert s.score < -0.5
    assert score("有点担心").score > score("非常担心").score


def test_tally_counts_each_text_once():
    t = tally(["支持", "反对", "请问几点开会", "非常好，感谢"])
    assert (t.positive, t.negative, t.neutral, t.total) == (2, 1, 1, 4)
    words = {w for w, _n in t.as_dict()["words"]}
    assert {"+支持", "-反对", "+好", "+感谢"} <= words


def test_extend_adds_words():
    assert score("这个方案很接地气").label == "neutral"
    extend(positive=["接地气"])
    assert score("这个方案很接地气").label == "positive"
