"""Subtree matching (an area or category and everything inside it) goes through the one helper pair
in `lianxin/org/selectors.py`: `area_subtree_q` (a filter) and `in_area_subtree` (in Python).

A path compared by hand (`path__startswith`, `path.startswith(f"{p}/")`) is a copy that can drift
(e.g. forget the "/" and match `A1` inside `A10`). The check reads the source text, so it also runs
against a planted tree to show that it can fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import lianxin

PACKAGE_DIR = Path(lianxin.__file__).parent
HELPER = Path("org/selectors.py")
COPY = re.compile(r"path__startswith|path\.startswith\(|path \+ \"/\"")


def hand_written_subtree_checks(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if "migrations" in rel.parts or rel == HELPER:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if COPY.search(line) and "request.path" not in line:
                found.append(f"{rel}:{number}")
    return found


def test_subtree_matching_only_through_the_org_helpers():
    assert hand_written_subtree_checks(PACKAGE_DIR) == []


def test_a_planted_copy_is_found(tmp_path):
    (tmp_path / "org").mkdir()
    (tmp_path / "org" / "selectors.py").write_text(
        'Q(**{f"{prefix}__startswith": f"{path}/"})\npath.startswith(p)\n'
    )
    (tmp_path / "web.py").write_text(
        'ok = request.path.startswith("/api/")\n'
        'q = Q(category__path__startswith=f"{c.path}/")\n'
        'inside = area.path.startswith(f"{p}/")\n'
    )
    assert hand_written_subtree_checks(tmp_path) == ["web.py:2", "web.py:3"]
