from __future__ import annotations

from lianxin.triage.routing import RoutingHistory, Rule, ancestors, route

CATALOGUE: list[Rule | tuple[str | None, str | None, str]] = [
    ("城乡建设", None, "住建局"),
    ("城乡建设/物业管理", None, "房产中心"),
    ("城乡建设/物业管理", "A市/A3区", "A3区住建局"),
    ("城乡建设/物业管理", "A市/A3区/桂花街道", "桂花街道办"),
    ("环境保护", "A市", "生态环境局"),
    ("环境保护", "A市", "城管局"),
    Rule(None, "A市/A5区", "A5区政府"),
]


def test_ancestors():
    assert ancestors("a/b/c") == ["a", "a/b", "a/b/c"]
    assert ancestors(["x", "x1"]) == ["x", "x1"]
    assert ancestors(None) == []


def test_most_specific_rule_wins():
    r = route("城乡建设/物业管理", "A市/A3区/桂花街道", CATALOGUE)
    assert r.unit == "桂花街道办"
    assert not r.ambiguous
    r = route("城乡建设/物业管理", "A市/A3区/其他街道", CATALOGUE)
    assert r.unit == "A3区住建局"
    r = route(["城乡建设", "城乡建设/物业管理"], ["A市", "A市/A9区"], CATALOGUE)
    assert r.unit == "房产中心"
    r = route("城乡建设/拆迁", "A市/A9区", CATALOGUE)
    assert r.unit == "住建局"
    assert route("卫生计生", "A市/A9区", CATALOGUE).suggestions == []
    assert route("卫生计生", "A市/A5区", CATALOGUE).unit == "A5区政府"


def test_ambiguity_reported():
    r = route("环境保护/噪音", "A市/A1区", CATALOGUE)
    assert r.ambiguous
    assert r.unit is None
    assert set(r.units[:2]) == {"生态环境局", "城管局"}
    assert "same specificity" in r.reason


def test_return_history_lowers_a_unit():
    h = RoutingHistory()
    for _ in range(6):
        h.record("环境保护/噪音", "A市/A1区", "城管局", returned=True)
        h.record("环境保护/噪音", "A市/A1区", "生态环境局", returned=False)
    r = route("环境保护/噪音", "A市/A1区", CATALOGUE, history=h)
    assert not r.ambiguous
    assert r.unit == "生态环境局"
    assert r.units[-1] == "城管局"
    assert h.score("环境保护/噪音", "A市/A1区", "城管局") < h.score("环境保护/噪音", "A市/A1区", "生态环境局")


def test_unit_that_always_returns_falls_below_a_less_specific_rule():
    h = RoutingHistory()
    for _ in range(10):
        h.record("城乡建设/物业管理", "A市/A3区/桂花街道", "桂花街道办", returned=True)
    r = route("城乡建设/物业管理", "A市/A3区/桂花街道", CATALOGUE, history=h)
    assert r.unit == "A3区住建局"
    assert r.units[-1] == "桂花街道办"
