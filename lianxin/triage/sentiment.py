"""The tone of a short Chinese opinion: positive, negative or neutral, from a lexicon.

Plain Python (no Django, no downloaded model), for residents' comments on a draft decision. A
comment is cut into clauses at punctuation; in each clause the longest lexicon words are matched
left to right; a negator just before a word flips it ("不合理", "没有问题"), a degree adverb scales
it ("非常满意", "有点担心"), and a clause after an adversative ("但是", "不过") weighs more, since
that is where Chinese puts what the writer means. The score is the weighted sum squashed to
[-1, 1]; |score| < `NEUTRAL_BAND` is neutral.

The lexicon is small and written for consultations (support, concern, inconvenience, safety,
noise, cost); `extend` adds words, e.g. from a configuration file, without touching the code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .text import normalize

__all__ = ["NEUTRAL_BAND", "Sentiment", "SentimentCounts", "extend", "score", "tally"]

NEUTRAL_BAND = 0.2

POSITIVE = {
    "支持",
    "赞成",
    "同意",
    "拥护",
    "认可",
    "赞同",
    "点赞",
    "欢迎",
    "期待",
    "感谢",
    "谢谢",
    "满意",
    "好",
    "很好",
    "不错",
    "合理",
    "科学",
    "及时",
    "方便",
    "便民",
    "便利",
    "安全",
    "干净",
    "整洁",
    "舒适",
    "有利",
    "有益",
    "受益",
    "改善",
    "提升",
    "优化",
    "完善",
    "必要",
    "有必要",
    "可行",
    "实惠",
    "放心",
    "希望尽快",
    "早日",
    "值得",
    "好事",
    "惠民",
    "温暖",
    "规范",
    "有序",
    "透明",
    "公平",
    "公正",
    "清楚",
    "周到",
    "细致",
    "高效",
    "顺畅",
    "畅通",
}
NEGATIVE = {
    "反对",
    "不同意",
    "不赞成",
    "不支持",
    "不满",
    "不满意",
    "担心",
    "担忧",
    "忧虑",
    "害怕",
    "顾虑",
    "质疑",
    "失望",
    "不便",
    "麻烦",
    "困难",
    "问题",
    "隐患",
    "危险",
    "风险",
    "噪音",
    "噪声",
    "扰民",
    "吵",
    "脏",
    "乱",
    "差",
    "臭",
    "拥堵",
    "堵",
    "浪费",
    "贵",
    "乱收费",
    "不合理",
    "不公平",
    "不透明",
    "不清楚",
    "糟糕",
    "太差",
    "混乱",
    "投诉",
    "影响",
    "损害",
    "侵占",
    "占用",
    "破坏",
    "污染",
    "违规",
    "违法",
    "形式主义",
    "走过场",
    "敷衍",
    "推诿",
    "没用",
    "不行",
    "不好",
    "不够",
    "缺乏",
    "缺少",
    "难以",
    "无法",
    "延误",
    "拖延",
    "滞后",
    "负担",
    "压力",
}
NEGATORS = ("并没有", "没有", "并不", "不是", "不会", "毫无", "不", "没", "未", "别", "勿")
DEGREE = {
    "非常": 1.6,
    "特别": 1.6,
    "极其": 1.8,
    "十分": 1.5,
    "很": 1.4,
    "太": 1.5,
    "最": 1.6,
    "相当": 1.4,
    "更": 1.2,
    "比较": 1.1,
    "较": 1.1,
    "有点": 0.7,
    "有些": 0.7,
    "稍微": 0.6,
    "略": 0.6,
}
ADVERSATIVES = ("但是", "但", "不过", "然而", "可是", "只是")
ADVERSATIVE_WEIGHT = 1.5
QUESTION_ENDINGS = ("吗", "呢", "么")
QUESTION_WEIGHT = 0.3  # "写得清楚吗" asks rather than judges
_CLAUSE_RE = re.compile(r"[，,。.!！;；\n]+|(?<=[?？])")
_WINDOW = 3  # characters before a word searched for a negator or a degree adverb


@dataclass(frozen=True)
class Sentiment:
    score: float  # -1 .. 1
    label: str  # positive | negative | neutral
    positive: tuple[str, ...] = ()  # the words that counted for, after negation
    negative: tuple[str, ...] = ()


@dataclass
class SentimentCounts:
    positive: int = 0
    negative: int = 0
    neutral: int = 0
    words: dict[str, int] = field(default_factory=dict)  # "+word" / "-word" -> count

    @property
    def total(self) -> int:
        return self.positive + self.negative + self.neutral

    def as_dict(self) -> dict[str, Any]:
        top = sorted(self.words.items(), key=lambda kv: (-kv[1], kv[0]))[:8]
        return {
            "positive": self.positive,
            "negative": self.negative,
            "neutral": self.neutral,
            "words": [[w, n] for w, n in top],
        }


_lexicon: dict[str, float] = {}
_longest = 1


def extend(*, positive: Iterable[str] = (), negative: Iterable[str] = ()) -> None:
    """Add words to the lexicon (a word in both lists ends negative)."""
    global _longest
    for word in positive:
        if word:
            _lexicon[normalize(word)] = 1.0
    for word in negative:
        if word:
            _lexicon[normalize(word)] = -1.0
    _longest = max((len(w) for w in _lexicon), default=1)


extend(positive=POSITIVE, negative=NEGATIVE)


def _modifiers(before: str) -> tuple[str, float]:
    """The negator just before a word ("" if none) and the degree factor of an adverb between them
    ("很不满意", "不太方便", "非常支持" — a degree adverb is never read as a negator)."""
    tail, degree = before, 1.0
    for adverb, factor in sorted(DEGREE.items(), key=lambda kv: -len(kv[0])):
        if tail.endswith(adverb):
            tail, degree = tail[: -len(adverb)], factor
            break
    negator = next((neg for neg in NEGATORS if tail.endswith(neg)), "")
    if not negator and degree == 1.0:  # "不太", "很不": negator and adverb in either order
        for adverb, factor in DEGREE.items():
            for neg in NEGATORS:
                if tail.endswith(neg + adverb) or tail.endswith(adverb + neg):
                    return neg, factor
    return negator, degree


def _clause(text: str) -> tuple[float, list[str], list[str]]:
    total, pos, neg = 0.0, list[str](), list[str]()
    i = 0
    while i < len(text):
        for size in range(min(_longest, len(text) - i), 0, -1):
            word = text[i : i + size]
            polarity = _lexicon.get(word)
            if polarity is None:
                continue
            negator, degree = _modifiers(text[max(0, i - _WINDOW) : i])
            value = polarity * degree * (-0.8 if negator else 1.0)
            total += value
            (pos if value > 0 else neg).append(negator + word)
            i += size
            break
        else:
            i += 1
    return total, pos, neg


def score(text: str) -> Sentiment:
    text = normalize(text or "")
    total, pos, neg = 0.0, list[str](), list[str]()
    for raw in _CLAUSE_RE.split(text):
        clause = raw.strip()
        if not clause:
            continue
        weight = 1.0
        for adv in ADVERSATIVES:
            if clause.startswith(adv):
                weight, clause = ADVERSATIVE_WEIGHT, clause[len(adv) :]
                break
        if clause.endswith(("?", "？")) or clause.endswith(QUESTION_ENDINGS):
            weight *= QUESTION_WEIGHT
        value, p, n = _clause(clause.rstrip("?？"))
        total += weight * value
        pos += p
        neg += n
    squashed = math.tanh(total / 2.0)
    label = "neutral" if abs(squashed) < NEUTRAL_BAND else ("positive" if squashed > 0 else "negative")
    return Sentiment(round(squashed, 4), label, tuple(pos), tuple(neg))


def tally(texts: Iterable[str]) -> SentimentCounts:
    """The number of positive, negative and neutral texts, and the words that decided them."""
    counts = SentimentCounts()
    for text in texts:
        s = score(text)
        setattr(counts, s.label, getattr(counts, s.label) + 1)
        for w in s.positive:
            counts.words["+" + w] = counts.words.get("+" + w, 0) + 1
        for w in s.negative:
            counts.words["-" + w] = counts.words.get("-" + w, 0) + 1
    return counts
