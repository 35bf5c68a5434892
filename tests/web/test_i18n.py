"""The English catalogue: complete, compiled, and used by the pages."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "lianxin" / "locale" / "en" / "LC_MESSAGES"


def po_entries(locale: Path | None = None) -> list[dict]:
    """(msgid, msgid_plural, msgstrs, flags) for every entry of the .po file (the project's, or
    the one in `locale`)."""
    entries = []
    for block in (locale or LOCALE).joinpath("django.po").read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": "", "context": None, "msgid": "", "plural": "", "strs": []}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
                continue
            if line.startswith("msgctxt "):
                entry["context"] = ast.literal_eval(line[len("msgctxt ") :])
                continue
            m = re.match(r'^(msgid_plural|msgid|msgstr(?:\[\d\])?) (".*")$', line)
            if m:
                key = m.group(1)
                value = ast.literal_eval(m.group(2))
                if key.startswith("msgstr"):
                    entry["strs"].append(value)
                else:
                    entry["msgid" if key == "msgid" else "plural"] = value
            elif line.startswith('"') and key:
                value = ast.literal_eval(line)
                if key.startswith("msgstr"):
                    entry["strs"][-1] += value
                else:
                    entry["msgid" if key == "msgid" else "plural"] += value
        if entry["msgid"]:
            entries.append(entry)
    return entries


def test_every_string_is_translated_and_not_fuzzy():
    entries = po_entries()
    assert len(entries) > 300
    untranslated = [e["msgid"] for e in entries if not all(e["strs"]) or "fuzzy" in e["flags"]]
    assert untranslated == []


def test_placeholders_survive_translation():
    for e in po_entries():
        wanted = sorted(re.findall(r"%\(\w+\)[sd]|\{\w+\}", e["msgid"]))
        for s in e["strs"]:
            assert sorted(re.findall(r"%\(\w+\)[sd]|\{\w+\}", s)) == wanted, e["msgid"]


def test_compiled_catalogue_matches_the_po_file():
    with LOCALE.joinpath("django.mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = [
        e["msgid"]
        for e in po_entries()
        if not e["plural"]
        and (
            compiled.pgettext(e["context"], e["msgid"])
            if e["context"] is not None
            else compiled.gettext(e["msgid"])
        )
        != e["strs"][0]
    ]
    assert stale == [], "run: cd lianxin && django-admin compilemessages"


@pytest.mark.django_db
def test_english_pages(client, district):
    client.cookies["django_language"] = "en"
    html = client.get("/").content.decode()
    assert "Raise an appeal" in html
    assert "Track an appeal" in html
    assert "Ask for mediation" in html
    assert "Coming soon" not in html
    assert "Large text" in html
    assert "中文" in html
    with translation.override("en"):
        from lianxin.appeals.models import Status

        assert str(Status.CLOSED.label) == "Closed"
