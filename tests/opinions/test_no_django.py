from __future__ import annotations

import re
from pathlib import Path

import lianxin.opinions

PACKAGE = Path(lianxin.opinions.__file__).parent


def test_opinions_package_never_imports_django():
    pattern = re.compile(
        r"^\s*(?:import|from)\s+django\b|__import__\(\s*['\"]django|import_module\(\s*['\"]django", re.M
    )
    files = list(PACKAGE.rglob("*.py"))
    assert len(files) >= 5
    offenders = [str(p) for p in files if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_opinions_package_never_imports_lianxin_domain_apps():
    pattern = re.compile(r"^\s*(?:import|from)\s+lianxin\.(?!opinions\b)", re.M)
    offenders = [str(p) for p in PACKAGE.rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
