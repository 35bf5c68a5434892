"""The proactive app's own English catalogue: complete, placeholders kept, compiled from the .po."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

from tests.web import test_i18n as shared

LOCALE = Path(__file__).resolve().parents[2] / "lianxin" / "proactive" / "locale" / "en" / "LC_MESSAGES"


def _entries(monkeypatch) -> list[dict]:
    monkeypatch.setattr(shared, "LOCALE", LOCALE)
    return shared.po_entries()


def test_complete_and_placeholders_kept(monkeypatch):
    entries = _entries(monkeypatch)
    assert len(entries) > 80
    assert [e["msgid"] for e in entries if not all(e["strs"]) or "fuzzy" in e["flags"]] == []
    for e in entries:
        wanted = sorted(re.findall(r"%\(\w+\)[sd]|\{\w+\}", e["msgid"]))
        assert sorted(re.findall(r"%\(\w+\)[sd]|\{\w+\}", e["strs"][0])) == wanted, e["msgid"]


def test_compiled_catalogue_matches(monkeypatch):
    catalogue = gettext.GNUTranslations(LOCALE.joinpath("django.mo").open("rb"))
    for e in _entries(monkeypatch):
        assert catalogue.gettext(e["msgid"]) == e["strs"][0]
