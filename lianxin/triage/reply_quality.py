"""Reply quality: does a unit's reply address the appeal, concretely and in time?

Three interpretable scores in [0, 1], each with reasons:

* relevance — share of the appeal's key terms (jieba words weighted by jieba's idf, and place
  names) that the reply mentions, blended with character-bigram cosine;
* completeness — concrete content (actions taken or scheduled, dates, responsible unit or person,
  contact, results) versus boilerplate (thanks for your attention, forwarded, please consult...),
  with a length sanity check;
* timeliness — days from appeal to reply: full marks within ``full_days``, zero at ``zero_days``.

``overall`` is a weighted mean (timeliness left out when either time is unknown).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from .text import GENERIC_WORDS, char_ngrams, clean

ACTION_WORDS = (
    "已安排",
    "已派",
    "已要求",
    "已责令",
    "已督促",
    "已对",
    "已完成",
    "已整改",
    "已修复",
    "已清理",
    "已拆除",
    "已立案",
    "已处理",
    "已解决",
    "已办理",
    "已发放",
    "已补发",
    "已退还",
    "已联系",
    "已约谈",
    "已下达",
    "已制定",
    "已开展",
    "现场",
    "核实",
    "调查",
    "整改",
    "维修",
    "修复",
    "清理",
    "拆除",
    "执法",
    "处罚",
    "罚款",
    "查处",
    "督促",
    "责令",
    "约谈",
    "协调",
    "施工",
    "计划",
    "预计",
    "将于",
    "排查",
    "检测",
    "巡查",
    "回访",
    "落实",
    "启动",
    "验收",
    "立案",
)
CONTACT_RE = re.compile(r"(?:电话|联系方式|咨询热线|热线|联系人|\[电话\]|\d{3,4}-\d{7,8}|\d{7,8})")
DATE_RE = re.compile(
    r"(?:\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d+(?:个)?(?:工作日|日内|天内|周内|月底|月内)|"
    r"本周|下周|本月|下月|年底|近日|目前已)"
)
UNIT_RE = re.compile(r"(?:局|委员会|办事处|街道|社区|中心|公司|大队|中队|站|所|办|镇政府|乡政府|管委会)")
BOILERPLATE = (
    "感谢您的关注",
    "感谢您对我们工作的关心",
    "感谢您对我们工作的支持",
    "感谢您的来信",
    "您的留言已收悉",
    "留言已收悉",
    "已转交",
    "已转至",
    "转相关部门",
    "请咨询相关部门",
    "请向相关部门反映",
    "请与相关部门联系",
    "高度重视",
    "我们将认真研究",
    "将进一步加强",
    "敬请谅解",
    "不属于我单位职责",
    "非我单位职责",
    "建议您通过",
    "依法依规处理",
)
_KW_STOP = GENERIC_WORDS | frozenset(["回复", "留言", "网友"])


@dataclass(frozen=True)
class ReplyScore:
    relevance: float
    completeness: float
    timeliness: float | None
    overall: float
    reasons: list[str] = field(default_factory=list)
    days: float | None = None


_idf: dict[str, float] | None = None
_median_idf = 10.0


def _key_terms(text: str, n: int = 10) -> list[str]:
    global _idf, _median_idf
    import jieba.analyse

    from .text import _jieba

    jb = _jieba()
    if _idf is None:
        t = jieba.analyse.TFIDF()
        _idf, _median_idf = dict(t.idf_freq), float(t.median_idf)
    text = re.sub(r"[A-Z]\d*[市区县]", " ", text)
    counts = Counter(
        w for w in jb.lcut(text) if len(w) >= 2 and w not in _KW_STOP and re.search(r"[\u4e00-\u9fff]", w)
    )
    ranked = sorted(counts, key=lambda w: -(1 + math.log(counts[w])) * _idf.get(w, _median_idf))
    return ranked[:n]


def _cosine(a: str, b: str) -> float:
    ca, cb = Counter(char_ngrams(a)), Counter(char_ngrams(b))
    if not ca or not cb:
        return 0.0
    dot = sum(v * cb.get(k, 0) for k, v in ca.items())
    return dot / math.sqrt(sum(v * v for v in ca.values()) * sum(v * v for v in cb.values()))


def _to_dt(t: dt.datetime | dt.date | None) -> dt.datetime | None:
    if t is None:
        return None
    if isinstance(t, dt.datetime):
        return t.replace(tzinfo=None) if t.tzinfo is None else t
    return dt.datetime(t.year, t.month, t.day)


def score_reply(
    appeal_text: str,
    reply_text: str,
    appeal_time: dt.datetime | dt.date | None = None,
    reply_time: dt.datetime | dt.date | None = None,
    *,
    full_days: float = 5.0,
    zero_days: float = 60.0,
) -> ReplyScore:
    """Score a reply against its appeal (see the module docstring for the three components)."""
    appeal = clean(appeal_text or "")
    reply = clean(reply_text or "")
    reasons: list[str] = []
    if not reply.strip():
        return ReplyScore(0.0, 0.0, None, 0.0, ["empty reply"])

    # relevance
    terms = _key_terms(appeal)
    hit = [t for t in terms if t in reply]
    coverage = len(hit) / len(terms) if terms else 0.0
    cos = _cosine(appeal, reply)
    relevance = min(1.0, 0.7 * coverage + 0.3 * min(1.0, cos * 2))
    missing = [t for t in terms if t not in reply][:5]
    reasons.append(
        f"mentions {len(hit)}/{len(terms)} key terms of the appeal"
        + (f"; missing: {'、'.join(missing)}" if missing else "")
    )

    # completeness
    actions = sorted({w for w in ACTION_WORDS if w in reply})
    dates = DATE_RE.findall(reply)
    contact = bool(CONTACT_RE.search(reply))
    unit = bool(UNIT_RE.search(reply))
    boiler = [b for b in BOILERPLATE if b in reply]
    concrete = (
        min(1.0, len(actions) / 4) * 0.45 + min(1.0, len(dates) / 2) * 0.2 + 0.15 * contact + 0.1 * unit
    )
    length = len(re.sub(r"\s", "", reply))
    concrete += 0.1 * min(1.0, length / 150)
    # Boilerplate only hurts when it is most of what the reply says.
    concrete -= min(0.4, 0.12 * len(boiler)) * (1.0 if len(actions) < 2 else 0.3)
    completeness = max(0.0, min(1.0, concrete))
    if actions:
        reasons.append(f"concrete actions: {'、'.join(actions[:6])}")
    else:
        reasons.append("no concrete action described")
    reasons.append(f"dates/deadlines: {len(dates)}; contact given: {'yes' if contact else 'no'}")
    if boiler:
        reasons.append(f"boilerplate: {'、'.join(boiler[:4])}")
    if length < 30:
        reasons.append(f"very short reply ({length} characters)")

    # timeliness
    timeliness = None
    days = None
    a, r = _to_dt(appeal_time), _to_dt(reply_time)
    if a is not None and r is not None:
        try:
            days = (r - a).total_seconds() / 86400
        except TypeError:  # naive vs aware
            days = (r.replace(tzinfo=None) - a.replace(tzinfo=None)).total_seconds() / 86400
        if days < 0:
            reasons.append("reply time is before the appeal time")
            timeliness = 0.0
        else:
            timeliness = (
                1.0 if days <= full_days else max(0.0, 1 - (days - full_days) / (zero_days - full_days))
            )
            reasons.append(f"replied after {days:.1f} days")

    if timeliness is None:
        overall = 0.5 * relevance + 0.5 * completeness
    else:
        overall = 0.4 * relevance + 0.4 * completeness + 0.2 * timeliness
    return ReplyScore(
        round(relevance, 4),
        round(completeness, 4),
        None if timeliness is None else round(timeliness, 4),
        round(overall, 4),
        reasons,
        days,
    )
