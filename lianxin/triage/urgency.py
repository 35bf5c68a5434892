"""Urgency flags: a lexicon of emergency and urgent situations, with cheap negation handling.

The lexicon is plain data (``data/urgency.json``); a deployment can pass its own
:class:`UrgencyLexicon` or extend the default one with :meth:`UrgencyLexicon.extend`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from .text import normalize

Level = Literal["normal", "urgent", "emergency"]
_RANK: dict[str, int] = {"normal": 0, "urgent": 1, "emergency": 2}
_CLAUSE_BREAK = re.compile(r"[，。！？；,.!?;\n]")
COLD_WORDS = ("冬天", "冬季", "寒冬", "零下", "寒冷", "很冷", "冻死", "冻得", "受冻")


@dataclass(frozen=True)
class Urgency:
    level: Level
    triggers: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def is_urgent(self) -> bool:
        return self.level != "normal"


@dataclass
class Combination:
    level: Level
    all_of: list[list[str]]


@dataclass
class UrgencyLexicon:
    terms: dict[str, list[str]]  # level -> words
    combinations: list[Combination] = field(default_factory=list)
    negations: list[str] = field(default_factory=list)
    negation_window: int = 4
    winter_months: frozenset[int] = frozenset({11, 12, 1, 2, 3})
    winter_terms: list[str] = field(default_factory=list)
    winter_level: Level = "emergency"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UrgencyLexicon:
        winter = data.get("winter", {})
        return cls(
            terms={k: list(v) for k, v in data.get("terms", {}).items()},
            combinations=[
                Combination(c["level"], [list(g) for g in c["all_of"]]) for c in data.get("combinations", [])
            ],
            negations=list(data.get("negations", [])),
            negation_window=int(data.get("negation_window", 4)),
            winter_months=frozenset(winter.get("months", [11, 12, 1, 2, 3])),
            winter_terms=list(winter.get("terms", [])),
            winter_level=winter.get("escalate_to", "emergency"),
        )

    @classmethod
    def from_file(cls, path: str | Path) -> UrgencyLexicon:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def extend(self, level: Level, words: Iterable[str]) -> None:
        """Add trigger words at ``level`` ('urgent' or 'emergency')."""
        if level not in ("urgent", "emergency"):
            raise ValueError("level must be 'urgent' or 'emergency'")
        self.terms.setdefault(level, []).extend(w for w in words if w)
        self._compiled = None

    _compiled: tuple[re.Pattern[str], dict[str, str]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def compiled(self) -> tuple[re.Pattern[str], dict[str, str]]:
        if self._compiled is None:
            level_of: dict[str, str] = {}
            for level in ("urgent", "emergency"):  # emergency wins for a word listed twice
                for w in self.terms.get(level, []):
                    level_of[normalize(w)] = level
            words = sorted(level_of, key=len, reverse=True)  # longest match first
            pattern = re.compile("|".join(map(re.escape, words))) if words else re.compile(r"(?!x)x")
            self._compiled = (pattern, level_of)
        return self._compiled


@lru_cache(maxsize=1)
def _default_data() -> str:
    return resources.files("lianxin.triage").joinpath("data/urgency.json").read_text(encoding="utf-8")


def default_lexicon() -> UrgencyLexicon:
    """A fresh copy of the shipped lexicon (safe to extend)."""
    return UrgencyLexicon.from_dict(json.loads(_default_data()))


_DEFAULT: UrgencyLexicon | None = None


def _negated(text: str, start: int, lex: UrgencyLexicon) -> bool:
    """True if a negation word occurs shortly before ``start`` within the same clause."""
    window = text[max(0, start - lex.negation_window - 2) : start]
    parts = _CLAUSE_BREAK.split(window)
    window = parts[-1] if parts else ""
    return any(neg in window for neg in lex.negations)


def _find(text: str, words: Sequence[str], lex: UrgencyLexicon) -> list[str]:
    found = []
    for w in words:
        w = normalize(w)
        for m in re.finditer(re.escape(w), text):
            if not _negated(text, m.start(), lex):
                found.append(w)
                break
    return found


def assess_urgency(
    text: str, when: dt.datetime | dt.date | None = None, lexicon: UrgencyLexicon | None = None
) -> Urgency:
    """Classify an appeal as 'normal', 'urgent' or 'emergency' and list the trigger words.

    ``when`` (the appeal's time) lets winter escalate heating/water outages; without it a cold-weather
    word in the text (冬天, 零下 ...) does the same.
    """
    global _DEFAULT
    if lexicon is None:
        if _DEFAULT is None:
            _DEFAULT = default_lexicon()
        lexicon = _DEFAULT
    text = normalize(text or "")
    pattern, level_of = lexicon.compiled()
    level: str = "normal"
    triggers: list[str] = []
    reasons: list[str] = []

    def bump(new: str) -> None:
        nonlocal level
        if _RANK[new] > _RANK[level]:
            level = new

    for m in pattern.finditer(text):
        word = m.group(0)
        if _negated(text, m.start(), lexicon):
            continue
        if word not in triggers:
            triggers.append(word)
            reasons.append(f"{level_of[word]}: {word}")
        bump(level_of[word])

    for combo in lexicon.combinations:
        hits = [_find(text, group, lexicon) for group in combo.all_of]
        if all(hits):
            words = [h[0] for h in hits]
            for w in words:
                if w not in triggers:
                    triggers.append(w)
            reasons.append(f"{combo.level}: {' + '.join(words)}")
            bump(combo.level)

    winter = _winter(text, when, lexicon)
    if winter is not None:
        winter_hits, reason = winter
        for w in winter_hits:
            if w not in triggers:
                triggers.append(w)
        reasons.append(reason)
        bump(lexicon.winter_level)

    return Urgency(level=level, triggers=triggers, reasons=reasons)  # type: ignore[arg-type]


def _winter(
    text: str, when: dt.datetime | dt.date | None, lexicon: UrgencyLexicon
) -> tuple[list[str], str] | None:
    """The winter words of ``text`` and the reason, when it is winter (by ``when`` or a cold word)."""
    winter_hits = _find(text, lexicon.winter_terms, lexicon)
    if not winter_hits:
        return None
    in_winter = when is not None and when.month in lexicon.winter_months
    cold = [w for w in COLD_WORDS if w in text]
    if not (in_winter or cold):
        return None
    reason = f"{lexicon.winter_level}: {winter_hits[0]} in winter" + (f" ({cold[0]})" if cold else "")
    return winter_hits, reason
