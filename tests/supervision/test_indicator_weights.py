"""Registered indicators weighed into a scheme's street score (issues 12/13): the contact and
community figures count in the streets' ranking beside the three rates, as the scheme says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from lianxin.supervision import indicators as registry
from lianxin.supervision import rollups
from lianxin.supervision.models import AssessmentScheme, SchemeIndicatorWeight
from lianxin.supervision.selectors import Period, rankings, score_of
from lianxin.supervision.selectors.figures import KpiFigures
from lianxin.supervision.selectors.schemes import active_schemes

from .conftest import History, at

pytestmark = pytest.mark.django_db

SEEN: list[tuple[tuple[str, ...] | None, dt.date, dt.date]] = []


def _visits_in_time(paths, start, end):
    """A stand-in indicator: street S1 (东街道) visits every household in time, S2 half of them."""
    SEEN.append((paths, start, end))
    return 1.0 if paths and paths[0].split("/")[1] == "S1" else 0.5


@pytest.fixture
def share_indicator():
    registry.register_indicator(
        registry.Indicator(
            "test_visits_in_time", "按期走访率（测试）", "share", _visits_in_time, source="test"
        )
    )
    registry.register_indicator(
        registry.Indicator("test_visits", "走访数（测试）", "count", lambda *a: 3.0, source="test")
    )
    SEEN.clear()
    yield
    registry._REGISTRY.pop("test_visits_in_time", None)
    registry._REGISTRY.pop("test_visits", None)


def _scheme(**weights):
    scheme = AssessmentScheme.objects.create(name="2026 方案", valid_from=dt.date(2026, 1, 1))
    for code, w in weights.items():
        SchemeIndicatorWeight.objects.create(scheme=scheme, indicator_code=code, weight=Decimal(w))
    active_schemes.changed()
    return scheme


def _handled_everywhere(district):
    for grid, unit in ((district.grid_a, district.unit_city), (district.grid_b, district.unit_env)):
        h = History(area=grid, category=district.cat_light, submitted=at("2026-05-06 09:00"))
        h.dispatch(at("2026-05-06 09:10"), unit).accept(at("2026-05-06 09:20"), unit).reply(
            at("2026-05-06 12:00"), unit
        )
        h.rate(at("2026-05-07 12:00"), unit, "satisfied", True)
    rollups.process_events(settle_seconds=0)


def test_score_weighs_indicator_values_beside_the_rates(share_indicator):
    scheme = _scheme(test_visits_in_time="100")
    figures = KpiFigures()
    figures.add(
        {"assigned": 1, "responded_on_time": 1, "solved_known": 1, "solved": 1, "rated": 1, "satisfied": 1}
    )
    # rates all 1.0 with weights 30/35/35 (=100) and the indicator 0.5 with weight 100
    assert score_of(figures, scheme, {"test_visits_in_time": 0.5}).value == 75.0
    assert (
        score_of(figures, scheme, {"test_visits_in_time": None}).value == 100.0
    )  # nothing measured: renormalised
    assert score_of(figures, scheme).value == 100.0  # a unit: no area indicators


def test_street_ranking_follows_the_weighed_indicator(district, share_indicator):
    _handled_everywhere(district)
    plain = rankings(Period.month(2026, 5), by="street")
    assert [(r.label, r.score.value, r.rank) for r in plain] == [("东街道", 100.0, 1), ("西街道", 100.0, 1)]
    _scheme(test_visits_in_time="100")
    weighed = rankings(Period.month(2026, 5), by="street")
    assert [(r.label, r.score.value, r.rank) for r in weighed] == [("东街道", 100.0, 1), ("西街道", 75.0, 2)]
    assert weighed[1].score.indicators == {"test_visits_in_time": 0.5}
    # computed for each street's own subtree over the month's days, inclusive
    assert (("/S1",), dt.date(2026, 5, 1), dt.date(2026, 5, 31)) in [
        (tuple(p.replace(district.district.path, "") for p in paths), s, e) for paths, s, e in SEEN if paths
    ]
    units = rankings(Period.month(2026, 5), by="unit")
    assert {r.score.value for r in units} == {100.0}  # units are not areas: the weight does not apply


def test_only_registered_shares_can_be_weighed(share_indicator):
    scheme = _scheme()
    for code in ("test_visits", "no_such_indicator"):
        with pytest.raises(ValidationError) as err:
            SchemeIndicatorWeight(scheme=scheme, indicator_code=code, weight=Decimal("10")).full_clean()
        assert "test_visits_in_time" in str(err.value)
    SchemeIndicatorWeight(
        scheme=scheme, indicator_code="test_visits_in_time", weight=Decimal("10")
    ).full_clean()


def test_a_weight_for_an_indicator_no_longer_registered_is_ignored(district, share_indicator):
    _handled_everywhere(district)
    scheme = _scheme(test_visits_in_time="100")
    SchemeIndicatorWeight.objects.create(
        scheme=scheme, indicator_code="retired_indicator", weight=Decimal("50")
    )
    active_schemes.changed()
    rows = rankings(Period.month(2026, 5), by="street")
    assert [r.score.value for r in rows] == [100.0, 75.0]
