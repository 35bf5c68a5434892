"""Every app's own English catalogue (`lianxin/<app>/locale/en/LC_MESSAGES`): complete, not fuzzy,
placeholders kept, and the committed .mo compiled from the .po."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

from tests.web.test_i18n import po_entries

PACKAGE = Path(__file__).resolve().parents[1] / "lianxin"
CATALOGUES = sorted(p.parent for p in PACKAGE.glob("*/locale/en/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


@pytest.mark.parametrize("locale", CATALOGUES, ids=lambda p: p.parts[-4])
def test_complete_and_placeholders_kept(locale):
    entries = po_entries(locale)
    assert entries
    assert [e["msgid"] for e in entries if not all(e["strs"]) or "fuzzy" in e["flags"]] == []
    for e in entries:
        wanted = sorted(PLACEHOLDER.findall(e["msgid"]))
        for translated in e["strs"]:
            assert sorted(PLACEHOLDER.findall(translated)) == wanted, e["msgid"]


@pytest.mark.parametrize("locale", CATALOGUES, ids=lambda p: p.parts[-4])
def test_compiled_catalogue_matches(locale):
    with locale.joinpath("django.mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = [
        e["msgid"]
        for e in po_entries(locale)
        if not e["plural"]
        and (
            compiled.pgettext(e["context"], e["msgid"])
            if e["context"] is not None
            else compiled.gettext(e["msgid"])
        )
        != e["strs"][0]
    ]
    assert stale == [], f"run: msgfmt -o django.mo django.po in {locale}"


def test_every_app_with_a_catalogue_is_checked():
    assert {"outreach", "proactive", "supervision", "mediation"} <= {p.parts[-4] for p in CATALOGUES}
