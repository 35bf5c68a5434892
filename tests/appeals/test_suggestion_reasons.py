"""A dispatch suggestion's reasons are stored as codes and read in the reader's language; records
from before the codes keep showing their text."""

from __future__ import annotations

import pytest
from django.utils import translation

from lianxin.appeals import triage_bridge
from lianxin.appeals.suggestion_reasons import reason_lines, reason_text

from .helpers import submit

pytestmark = pytest.mark.django_db


def test_intake_stores_codes_and_each_language_reads_them(district):
    appeal = submit(district)
    reasons = appeal.suggestion["reasons"]
    assert "reason" not in appeal.suggestion
    catalogue = next(r for r in reasons if r["code"] == "catalogue")
    assert catalogue["units"] == [district.unit_city.code]
    assert catalogue["route"]["code"] == "rule"
    with translation.override("zh-hans"):
        zh = reason_lines(appeal.suggestion)
    with translation.override("en"):
        en = reason_lines(appeal.suggestion)
    assert zh == [
        f"派单目录：{district.unit_city.name}（规则：{district.cat_city.name} · {district.district.name} → "
        f"{district.unit_city.name}）"
    ]
    assert en == [
        f"Dispatch catalogue: {district.unit_city.name} (rule: {district.cat_city.name} · "
        f"{district.district.name} → {district.unit_city.name})"
    ]


def test_every_code_has_a_reading():
    record = {
        "reasons": [
            {"code": "urgency", "terms": ["煤气", "泄漏"]},
            {"code": "model", "category": "NOPE", "name": "路灯", "confidence": 0.91},
            {
                "code": "catalogue",
                "units": ["U-A", "U-B"],
                "route": {"code": "tie", "params": {"units": ["U-A", "U-B"]}},
            },
            {"code": "duplicates", "tracking_numbers": ["LX1", "LX2"]},
            {"code": "unknown-from-a-newer-release"},
        ]
    }
    with translation.override("en"):
        assert reason_lines(record) == [
            "Urgent terms: 煤气, 泄漏",
            "Classifier: 路灯 (confidence 91%)",
            "Dispatch catalogue: U-A, U-B (2 units match equally, a dispatcher chooses)",
            "Possible duplicates: LX1, LX2",
        ]
        assert reason_text(record).count("; ") == 3
    with translation.override("zh-hans"):
        assert reason_lines(record)[0] == "紧急词：煤气、泄漏"


def test_an_old_text_reason_still_shows_and_survives_a_reroute(district):
    old = {"unit": "U-X", "reason": "紧急词：煤气；派单目录：U-X（rule (CJ, *) → U-X）"}
    with translation.override("en"):
        assert reason_lines(old) == [old["reason"]]  # shown as it was written
    assert reason_lines({}) == []
    assert reason_lines(None) == []
    routed = triage_bridge.route_unit(district.cat_env, district.grid_a)
    record = triage_bridge.rerouted(old, routed)
    assert "reason" not in record
    assert record["reasons"][0] == {"code": "text", "text": "紧急词：煤气"}
    assert [r["code"] for r in record["reasons"]] == ["text", "catalogue"]
    assert record["reasons"][1]["units"] == [district.unit_env.code]


def test_the_api_gives_the_codes_and_their_reading_in_the_callers_language(district):
    from tests.api.conftest import Api

    appeal = submit(district)
    api = Api()
    zh = api.get(f"/appeals/{appeal.tracking_number}", user=district.dispatcher).json()
    assert zh["suggestion"]["reasons"] == appeal.suggestion["reasons"]
    assert zh["suggestion"]["reason"].startswith("派单目录：")
    api.client.cookies["django_language"] = "en"
    en = api.get(f"/appeals/{appeal.tracking_number}", user=district.dispatcher).json()
    assert en["suggestion"]["reason"].startswith("Dispatch catalogue: ")
