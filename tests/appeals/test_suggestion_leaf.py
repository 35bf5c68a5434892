"""A suggestion goes down from the model's (top-level) category to the subcategory the text names,
and stops where that is no longer certain (issue 16): never a guess between siblings."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from lianxin.appeals.suggestion_reasons import reason_lines
from lianxin.appeals.triage_bridge import Suggestion, _prediction_part, descend_to_leaf
from lianxin.triage.classifier import Prediction
from tests.factories import CategoryFactory

SURE = Prediction(
    top=[("城乡建设", 0.91), ("环境保护", 0.05), ("其他", 0.04)], abstained=False, label="城乡建设"
)


def _suggest(text: str) -> tuple[Suggestion, list[dict]]:
    suggestion, reasons = Suggestion(), list[dict[str, Any]]()
    _prediction_part(SURE, suggestion, reasons, text=text)
    return suggestion, reasons


def test_the_leaf_the_text_names_is_suggested_with_its_reason(district):
    suggestion, reasons = _suggest("幸福小区门口路灯坏了一个月")
    assert suggestion.category == district.cat_light
    assert suggestion.category_confidence == 0.91
    assert [r["code"] for r in reasons] == ["model", "leaf"]
    assert reasons[1]["terms"] == ["路灯"]
    with translation.override("zh-hans"):
        assert reason_lines({"reasons": reasons})[1] == "细分类：路灯照明（文中提到：路灯）"
    with translation.override("en"):
        assert "路灯照明" in reason_lines({"reasons": reasons})[1]
        assert "细分类" not in reason_lines({"reasons": reasons})[1]


def test_it_goes_down_every_level_the_text_names(district):
    night = CategoryFactory(code="CJ-LD-YJ", name="夜间熄灯", parent=district.cat_light)
    CategoryFactory(code="CJ-LD-GZ", name="灯杆倾斜", parent=district.cat_light)
    suggestion, reasons = _suggest("路灯到了夜间熄灯，整条街很黑")
    assert suggestion.category == night
    assert reasons[1]["terms"] == ["路灯", "夜间熄灯", "夜间", "熄灯"]


def test_it_stops_where_two_siblings_are_named(district):
    CategoryFactory(code="CJ-DL", name="道路维修", parent=district.cat_city)
    suggestion, reasons = _suggest("道路坑洼，旁边的路灯也不亮")
    assert suggestion.category == district.cat_city  # not a guess between 路灯照明 and 道路维修
    assert [r["code"] for r in reasons] == ["model"]


def test_nothing_named_keeps_the_models_category(district):
    suggestion, _reasons = _suggest("小区里的设施坏了")
    assert suggestion.category == district.cat_city
    assert descend_to_leaf(district.cat_city, "") == (None, [])


def test_an_unsure_model_suggests_no_category_at_all(district):
    unsure = Prediction(top=[("城乡建设", 0.41), ("环境保护", 0.39)], abstained=True, label=None)
    suggestion, reasons = Suggestion(), list[dict[str, Any]]()
    _prediction_part(unsure, suggestion, reasons, text="路灯坏了")
    assert suggestion.category is None
    assert reasons == []


def test_an_inactive_subcategory_is_never_suggested(district):
    district.cat_light.active = False
    district.cat_light.save(update_fields=["active"])
    suggestion, _reasons = _suggest("路灯坏了")
    assert suggestion.category == district.cat_city
