"""Routing: suggest the unit(s) an appeal should be dispatched to.

The dispatch catalogue is plain data: a list of rules ``(category, area, unit)``. Categories and
areas are hierarchical codes; the caller passes the ancestor chain of the appeal's category and
area (most general first, e.g. ``["城乡建设", "城乡建设/物业管理"]``), or a single code whose
ancestors are derived from ``/`` or ``.`` separators. A rule's category or area may be ``None``
or ``"*"`` (matches anything, least specific).

The most specific rule wins (category specificity first, then area); several units at the same
specificity make the result ambiguous, and a :class:`RoutingHistory` of returned (退单) appeals
lowers units that keep sending a kind of appeal back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Chain = str | Sequence[str] | None

WILDCARDS = (None, "", "*")


@dataclass(frozen=True)
class Rule:
    category: str | None
    area: str | None
    unit: str


@dataclass(frozen=True)
class UnitSuggestion:
    unit: str
    score: float  # history acceptance score in [0, 1]; 1 - expected return rate
    category_level: int  # depth of the matched category in the chain (0 = wildcard)
    area_level: int
    rule: Rule


@dataclass(frozen=True)
class RouteResult:
    suggestions: list[UnitSuggestion]
    ambiguous: bool
    reason: str  # for people reading logs; the platform renders `code` and `params` instead
    # What decided the result, as data a page can render in its own language:
    # "no_rule"; "tie" (units); "rule" (category, area, unit, note: "" | "often_returns" with score
    # | "others_lower").
    code: str = ""
    params: dict[str, object] = field(default_factory=dict)

    @property
    def unit(self) -> str | None:
        """The unit to dispatch to automatically, or None when a person must choose."""
        if not self.suggestions or self.ambiguous:
            return None
        return self.suggestions[0].unit

    @property
    def units(self) -> list[str]:
        return [s.unit for s in self.suggestions]


_SEP = re.compile(r"[/.>]")


def ancestors(code: Chain) -> list[str]:
    """The chain of a hierarchical code, most general first.

    ``"a/b/c"`` → ``["a", "a/b", "a/b/c"]``; a list is returned as given (most general first).
    """
    if code is None:
        return []
    if isinstance(code, str):
        if not code:
            return []
        parts = _SEP.split(code)
        seps = _SEP.findall(code)
        chain = [parts[0]]
        for sep, part in zip(seps, parts[1:], strict=True):
            chain.append(chain[-1] + sep + part)
        return chain
    return [c for c in code if c]


def _level(rule_code: str | None, chain: list[str]) -> int | None:
    """Specificity of a rule code against an appeal's chain: 0 for wildcard, depth+1 if it is in the chain."""
    if rule_code in WILDCARDS:
        return 0
    try:
        return chain.index(rule_code) + 1
    except ValueError:
        return None


@dataclass
class _Stats:
    total: int = 0
    returned: int = 0


@dataclass
class RoutingHistory:
    """Learns from dispatch outcomes: units that return (退单) a kind of appeal get a lower score.

    The score is a smoothed acceptance rate ``(kept + prior_weight*prior) / (n + prior_weight)``,
    using the exact (category, area, unit) record, backed off to (category, any area, unit).
    """

    prior: float = 0.9
    prior_weight: float = 4.0
    _stats: dict[tuple[str | None, str | None, str], _Stats] = field(default_factory=dict)

    def record(self, category: str | None, area: str | None, unit: str, returned: bool) -> None:
        for key in ((category, area, unit), (category, None, unit)):
            st = self._stats.setdefault(key, _Stats())
            st.total += 1
            st.returned += int(returned)
        if area is None:  # both keys were the same one
            st = self._stats[(category, None, unit)]
            st.total -= 1
            st.returned -= int(returned)

    def counts(self, category: str | None, area: str | None, unit: str) -> tuple[int, int]:
        st = self._stats.get((category, area, unit))
        return (st.total, st.returned) if st else (0, 0)

    def score(self, category: str | None, area: str | None, unit: str) -> float:
        st = self._stats.get((category, area, unit))
        if st is None or st.total == 0:
            st = self._stats.get((category, None, unit))
        if st is None or st.total == 0:
            return self.prior
        kept = st.total - st.returned
        return (kept + self.prior_weight * self.prior) / (st.total + self.prior_weight)

    def to_records(self) -> list[dict[str, object]]:
        return [
            {"category": c, "area": a, "unit": u, "total": s.total, "returned": s.returned}
            for (c, a, u), s in self._stats.items()
        ]


def _as_rule(r: Rule | tuple[Chain, Chain, str]) -> Rule:
    if isinstance(r, Rule):
        return r
    cat, area, unit = r
    cat_s = cat if cat is None or isinstance(cat, str) else (list(cat)[-1] if list(cat) else None)
    area_s = area if area is None or isinstance(area, str) else (list(area)[-1] if list(area) else None)
    return Rule(cat_s, area_s, unit)


def route(
    category_code: Chain,
    area_code: Chain,
    catalogue: Iterable[Rule | tuple[Chain, Chain, str]],
    *,
    history: RoutingHistory | None = None,
    min_score: float = 0.35,
    ambiguity_margin: float = 0.1,
) -> RouteResult:
    """Suggest units for an appeal of ``category_code`` in ``area_code``.

    Suggestions are ordered: units whose history score is at least ``min_score`` first, then by
    specificity (category depth, then area depth), then by history score. The result is ambiguous
    when the best specificity level holds more than one unit whose scores are within
    ``ambiguity_margin`` of each other.
    """
    cat_chain = ancestors(category_code)
    area_chain = ancestors(area_code)
    leaf_cat = cat_chain[-1] if cat_chain else None
    leaf_area = area_chain[-1] if area_chain else None
    best: dict[str, UnitSuggestion] = {}
    for raw in catalogue:
        rule = _as_rule(raw)
        cl = _level(rule.category, cat_chain)
        al = _level(rule.area, area_chain)
        if cl is None or al is None:
            continue
        score = history.score(leaf_cat, leaf_area, rule.unit) if history else 1.0
        sug = UnitSuggestion(rule.unit, score, cl, al, rule)
        prev = best.get(rule.unit)
        if prev is None or (cl, al) > (prev.category_level, prev.area_level):
            best[rule.unit] = sug
    if not best:
        return RouteResult([], False, "no catalogue rule matches this category and area", "no_rule")

    ranked = sorted(
        best.values(),
        key=lambda s: (s.score >= min_score, s.category_level, s.area_level, s.score),
        reverse=True,
    )
    top = ranked[0]
    same_level = [
        s for s in ranked if (s.category_level, s.area_level) == (top.category_level, top.area_level)
    ]
    ties = [s for s in same_level if top.score - s.score < ambiguity_margin]
    ambiguous = len(ties) > 1
    params: dict[str, object]
    if ambiguous:
        code, params = "tie", {"units": [s.unit for s in ties]}
        reason = f"{len(ties)} units match at the same specificity: " + ", ".join(s.unit for s in ties)
    else:
        code = "rule"
        params = {
            "category": top.rule.category or "*",
            "area": top.rule.area or "*",
            "unit": top.unit,
            "note": "",
        }
        reason = f"rule ({top.rule.category or '*'}, {top.rule.area or '*'}) → {top.unit}"
        if top.score < min_score:
            params.update(note="often_returns", score=round(top.score, 2))
            reason += f" (but it often returns such appeals: score {top.score:.2f})"
        elif len(same_level) > 1:
            params["note"] = "others_lower"
            reason += " (others at the same level rank lower on return history)"
    return RouteResult(ranked, ambiguous, reason, code, params)
