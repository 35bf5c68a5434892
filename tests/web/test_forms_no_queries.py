"""Forms take their choices from the view (read by org selectors) and do not query themselves."""

from __future__ import annotations

import pytest

from lianxin.org.models import AreaLevel
from lianxin.org.selectors import (
    area_choices,
    area_choices_above_grids,
    area_choices_by_street,
    area_choices_for_hotline,
    category_choices,
)
from lianxin.web.forms import AppealForm, HotlineForm, QueueFilterForm, ReclassifyForm

pytestmark = pytest.mark.django_db


def test_building_the_forms_runs_no_query(district, django_assert_num_queries):
    categories, by_street = category_choices(), area_choices_by_street()
    hotline, above = area_choices_for_hotline(), area_choices_above_grids()
    streets, communities = area_choices(AreaLevel.STREET), area_choices(AreaLevel.COMMUNITY, "S1")
    with django_assert_num_queries(0):
        forms = [
            QueueFilterForm({"category": "CJ-LD", "area": "S1"}, categories=categories, areas=above),
            HotlineForm({"area": "G1"}, areas=hotline),
            ReclassifyForm(
                {"category": "HB", "area": "G2", "reason": "x"}, categories=categories, areas=by_street
            ),
            AppealForm({"street": "S1", "community": "C1"}, streets=streets, communities=communities),
        ]
        assert [f.is_valid() for f in forms[:3]] == [True, False, True]  # the hotline form lacks the phone


def test_the_choices(district):
    assert category_choices() == [("CJ", "城乡建设"), ("CJ-LD", "· 路灯照明"), ("HB", "环境保护")]
    assert area_choices_above_grids() == [
        ("D1", "示范区"),
        ("S1", "东街道"),
        ("C1", "幸福社区"),
        ("S2", "西街道"),
        ("C2", "和平社区"),
    ]
    assert area_choices_for_hotline()[:3] == [
        ("S1", "S1 东街道"),
        ("C1", "C1 · 幸福社区"),
        ("G1", "G1 · · 幸福一网格"),
    ]
    assert area_choices_by_street() == [
        ("东街道", [("C1", "幸福社区"), ("G1", "· 幸福一网格")]),
        ("西街道", [("C2", "和平社区"), ("G2", "· 和平一网格")]),
    ]
    assert area_choices(AreaLevel.GRID) == []
    assert area_choices(AreaLevel.GRID, "C2") == [("G2", "和平一网格")]
