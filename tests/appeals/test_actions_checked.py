"""Every action that applies a transition has asked `policy.ensure_allowed` for that very action
first (`actions.base._transition` does not check again: one check per call)."""

from __future__ import annotations

import ast
from pathlib import Path

import lianxin.appeals.actions

ACTIONS_DIR = Path(lianxin.appeals.actions.__file__).parent


def _action_of(call: ast.Call) -> str | None:
    for arg in call.args:
        if isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name) and arg.value.id == "Action":
            return arg.attr
    return None


def unchecked_transitions(source: str) -> list[str]:
    """`function: action` for each `_transition(..., Action.X, ...)` not preceded, in the same
    function, by `ensure_allowed(..., Action.X)`."""
    found = []
    for func in ast.walk(ast.parse(source)):
        if not isinstance(func, ast.FunctionDef):
            continue
        calls = sorted(
            (n for n in ast.walk(func) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)),
            key=lambda n: (n.lineno, n.col_offset),
        )
        checked: set[str | None] = set()
        for call in calls:
            assert isinstance(call.func, ast.Name)
            if call.func.id == "ensure_allowed":
                checked.add(_action_of(call))
            elif call.func.id == "_transition" and (
                _action_of(call) is None or _action_of(call) not in checked
            ):
                found.append(f"{func.name}: {_action_of(call)}")
    return found


def test_every_transition_is_checked_first():
    sources = {p.name: p.read_text(encoding="utf-8") for p in ACTIONS_DIR.glob("*.py")}
    assert sum(src.count("_transition(") for src in sources.values()) > 10  # the check sees them
    assert {
        name: unchecked_transitions(src) for name, src in sources.items() if unchecked_transitions(src)
    } == {}


def test_a_planted_unchecked_transition_is_found():
    source = (
        "def appeal_x(*, appeal, actor):\n"
        "    ensure_allowed(actor, appeal, Action.ACCEPT)\n"
        "    _transition(appeal, Action.RETURN, actor)\n"
        "def appeal_y(*, appeal, actor):\n"
        "    _transition(appeal, Action.ACCEPT, actor)\n"
        "    ensure_allowed(actor, appeal, Action.ACCEPT)\n"
    )
    assert unchecked_transitions(source) == ["appeal_x: RETURN", "appeal_y: ACCEPT"]
