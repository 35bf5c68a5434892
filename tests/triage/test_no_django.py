from __future__ import annotations

import re
from pathlib import Path

import lianxin.triage

PACKAGE = Path(lianxin.triage.__file__).parent


def test_triage_package_never_imports_django():
    pattern = re.compile(
        r"^\s*(?:import|from)\s+django\b|__import__\(\s*['\"]django|import_module\(\s*['\"]django", re.M
    )
    offenders = [str(p) for p in PACKAGE.rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
