"""Chinese text handling for the triage engine.

Normalisation (full/half width, a cheap traditional -> simplified table), PII masking (mobile and
landline numbers, ID card numbers) and jieba word segmentation with an extendable domain dictionary.

Everything that ends up in a model or an index goes through :func:`mask_pii` first.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "add_words",
    "char_ngrams",
    "clean",
    "load_user_dict",
    "mask_pii",
    "normalize",
    "tokenize",
]

PHONE_MASK = "[电话]"
ID_MASK = "[身份证]"

# 18-digit ID card (last char may be X) and the old 15-digit form; not inside a longer digit run.
_ID_RE = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
_ID15_RE = re.compile(r"(?<!\d)[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?!\d)")
# Mobile numbers, optionally with +86 and with spaces or dashes as 3-4-4 groups.
_MOBILE_RE = re.compile(r"(?<!\d)(?:(?:\+|00)?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")
# Landlines: area code (0 + 2-3 digits, optionally in brackets) + 7-8 digit number, optional extension.
_LANDLINE_RE = re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3})[- ]?[2-9]\d{6,7}(?:-\d{1,5})?(?!\d)")
# A bare 7-8 digit local number right after a phone keyword ("电话：84512345").
_LOCAL_RE = re.compile(r"((?:电话|手机|座机|热线|联系方式|号码|tel|Tel|TEL)[:：是为]?\s*)[2-9]\d{6,7}(?!\d)")

_DIGIT_RUN = re.compile(r"\d[\d\- ()]{6,}")


def mask_pii(text: str) -> str:
    """Replace phone numbers (mobile, landline) and ID card numbers with placeholders.

    Masking happens on the full-width-normalised digits as well, so ``１３８…`` is masked too.
    """
    if not text:
        return ""
    text = _fold_width(text)
    if not _DIGIT_RUN.search(text):  # fast path: every pattern needs 7+ digits (with separators)
        return text
    text = _ID_RE.sub(ID_MASK, text)
    text = _ID15_RE.sub(ID_MASK, text)
    text = _MOBILE_RE.sub(PHONE_MASK, text)
    text = _LANDLINE_RE.sub(PHONE_MASK, text)
    text = _LOCAL_RE.sub(lambda m: m.group(1) + PHONE_MASK, text)
    return text


# --- normalisation -------------------------------------------------------------------------------

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20  # ideographic space
# Keep the Chinese comma/semicolon/colon etc. as they are: only letters, digits and ASCII-like symbols
# are folded, which is what matters for matching and masking.
for _keep in "，；：！？（）":
    _FULLWIDTH.pop(ord(_keep), None)


def _fold_width(text: str) -> str:
    return text.translate(_FULLWIDTH)


_t2s_lock = threading.Lock()
_t2s_extra: dict[int, str] = {}


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    table: dict[int, str] = {}
    raw = resources.files("lianxin.triage").joinpath("data/t2s.txt").read_text(encoding="utf-8")
    for line in raw.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) == 2 and len(parts[0]) == 1 and parts[0] != parts[1]:
            table[ord(parts[0])] = parts[1]
    return table


def add_t2s_pairs(pairs: Iterable[tuple[str, str]]) -> None:
    """Extend the traditional -> simplified table with (traditional, simplified) character pairs."""
    with _t2s_lock:
        for trad, simp in pairs:
            if len(trad) == 1 and trad != simp:
                _t2s_extra[ord(trad)] = simp
        _t2s_table().update(_t2s_extra)
        _norm_table.cache_clear()


@lru_cache(maxsize=1)
def _norm_table() -> dict[int, int | str]:
    """Width folding and traditional -> simplified in one translate table."""
    table: dict[int, int | str] = dict(_FULLWIDTH)
    table.update(_t2s_table())
    return table


_SPACE_RE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Fold full-width ASCII to half width, map traditional characters to simplified ones,
    collapse whitespace and upper-case nothing (case is kept; features lower-case later)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_norm_table())
    return _SPACE_RE.sub(" ", text).strip()


def clean(text: str) -> str:
    """The canonical form stored in models and indexes: normalised, PII masked."""
    return normalize(mask_pii(text or ""))


# --- segmentation --------------------------------------------------------------------------------

_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba() -> Any:  # the jieba module (untyped)
    """Import jieba lazily, silence its logging and load the shipped domain dictionary once."""
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                import logging

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                words = (
                    resources.files("lianxin.triage")
                    .joinpath("data/domain_dict.txt")
                    .read_text(encoding="utf-8")
                )
                for line in words.splitlines():
                    parts = line.split()
                    if parts and not parts[0].startswith("#"):
                        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                        jieba.add_word(parts[0], freq=freq)
                _jieba_ready = True
    return jieba


def add_words(words: Iterable[str]) -> None:
    """Teach the segmenter extra domain words (place names, local programme names...)."""
    jb = _jieba()
    for w in words:
        w = w.strip()
        if w:
            jb.add_word(w)


def load_user_dict(path: str | Path) -> int:
    """Load a deployment's extra dictionary (jieba format: ``word [freq] [tag]`` per line).

    Returns the number of words loaded.
    """
    n = 0
    jb = _jieba()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        jb.add_word(parts[0], freq=freq)
        n += 1
    return n


STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "及",
        "或",
        "也",
        "都",
        "就",
        "而",
        "又",
        "但",
        "还",
        "被",
        "把",
        "将",
        "对",
        "于",
        "从",
        "向",
        "到",
        "给",
        "让",
        "为",
        "以",
        "之",
        "其",
        "此",
        "这",
        "那",
        "这个",
        "那个",
        "这些",
        "那些",
        "这样",
        "那样",
        "我",
        "我们",
        "你",
        "你们",
        "他",
        "他们",
        "她",
        "它",
        "自己",
        "您",
        "本人",
        "有",
        "没",
        "不",
        "很",
        "更",
        "最",
        "再",
        "已",
        "已经",
        "会",
        "能",
        "可以",
        "要",
        "想",
        "请",
        "请问",
        "希望",
        "谢谢",
        "您好",
        "你好",
        "尊敬",
        "领导",
        "政府",
        "相关",
        "部门",
        "问题",
        "情况",
        "一个",
        "一些",
        "什么",
        "怎么",
        "如何",
        "为什么",
        "吗",
        "呢",
        "吧",
        "啊",
        "着",
        "过",
        "等",
        "个",
        "年",
        "月",
        "日",
        "号",
        "时",
        "后",
        "前",
        "上",
        "下",
        "中",
        "里",
        "多",
        "少",
        "现在",
        "目前",
        "今年",
        "去年",
        "因为",
        "所以",
        "如果",
        "虽然",
        "但是",
        "然后",
        "并",
        "且",
        "及其",
        "以及",
        "由于",
        "对于",
        "关于",
        "进行",
        "没有",
        "一直",
        "还是",
        "就是",
        "只是",
        "而且",
        "并且",
        "不是",
        "可是",
        "或者",
        "已",
        "该",
        "各",
        "每",
        "非常",
        "特别",
    ]
)

_TOKEN_OK = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def tokenize(text: str, *, stop_words: frozenset[str] = STOP_WORDS) -> list[str]:
    """Segment already-cleaned text into words; drop punctuation, whitespace and stop words.

    Latin tokens are lower-cased. Digits-only tokens are kept only if short (years, numbers of
    buildings); long digit runs are noise for classification.
    """
    jb = _jieba()
    out: list[str] = []
    for tok in jb.lcut(text, HMM=True):
        tok = tok.strip().lower()
        if not tok or tok in stop_words or not _TOKEN_OK.search(tok):
            continue
        if tok.isdigit() and len(tok) > 4:
            continue
        out.append(tok)
    return out


def char_ngrams(text: str, n: int = 2) -> list[str]:
    """Character n-grams of the CJK/alphanumeric runs of ``text`` (punctuation breaks runs)."""
    grams: list[str] = []
    for run in re.findall(r"[\u4e00-\u9fffA-Za-z0-9]+", text):
        if len(run) < n:
            if run:
                grams.append(run)
            continue
        grams.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return grams


# Words too generic to describe what an appeal is about (shared by hotspot labels and reply scoring).
GENERIC_WORDS = frozenset(
    [
        "一直",
        "严重",
        "为什么",
        "什么",
        "你好",
        "关于",
        "反映",
        "可以",
        "咨询",
        "处理",
        "如何",
        "存在",
        "尊敬",
        "居民",
        "市民",
        "希望",
        "建议",
        "怎么",
        "您好",
        "情况",
        "我们",
        "投诉",
        "政府",
        "是否",
        "有关",
        "没有",
        "现在",
        "目前",
        "相关",
        "能否",
        "至今",
        "要求",
        "解决",
        "请求",
        "进行",
        "部门",
        "问题",
        "领导",
    ]
)
