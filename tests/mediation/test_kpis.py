"""Mediation indicators in supervision's registry, on hand-built data: each figure for the period
and the area scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.mediation.models import FollowUp, Status
from lianxin.supervision.indicators import indicator, indicator_values

from .factories import CaseFactory

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)


def at(day: int, month: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, 10))


def _values(paths):
    return {
        v["code"]: v["value"]
        for v in indicator_values(area_paths=paths, start=START, end=END)
        if v["source"] == "mediation"
    }


def test_mediation_registers_its_indicators():
    codes = (
        "mediation_opened",
        "mediation_agreed",
        "mediation_referred",
        "mediation_withdrawn",
        "mediation_agreement_rate",
        "mediation_kept_rate",
        "mediation_median_days_to_close",
    )
    assert all(indicator(c) is not None and indicator(c).source == "mediation" for c in codes)  # type: ignore[union-attr]


def test_mediation_figures_for_the_period_and_scope(district):
    a, b = district.community_a, district.community_b
    # agreed in the period and closed in it after 20 days; its follow-up found the agreement kept
    kept = CaseFactory(
        area=a,
        status=Status.CLOSED,
        opened_at=at(25, 9),
        agreed_at=at(5),
        closed_at=at(15),
        agreement_kept=True,
    )
    # agreed in the period, still open; a follow-up found it broken
    broken = CaseFactory(area=a, status=Status.AGREED, opened_at=at(2), agreed_at=at(9), agreement_kept=False)
    # referred in the period after 4 days (street B)
    CaseFactory(area=b, status=Status.REFERRED, opened_at=at(10), closed_at=at(14))
    # withdrawn in the period after 1 day
    CaseFactory(area=a, status=Status.WITHDRAWN, opened_at=at(20), closed_at=at(21))
    # declined: not an outcome of mediation, not in the days to close
    CaseFactory(area=a, status=Status.DECLINED, opened_at=at(3), closed_at=at(3))
    # agreed and closed before the period (followed up in September)
    old = CaseFactory(
        area=a,
        status=Status.CLOSED,
        opened_at=at(1, 8),
        agreed_at=at(1, 9),
        closed_at=at(30, 9),
        agreement_kept=True,
    )
    CaseFactory(area=b, status=Status.REFERRED, opened_at=at(28), closed_at=at(3, 11))  # referred after it
    for case, day in ((kept, at(14)), (broken, at(20)), (old, at(29, 9))):
        FollowUp.objects.create(
            case=case,
            visited_at=day,
            kept=bool(case.agreement_kept),
            notes="回访",
            recorded_by=district.admin,
        )

    v = _values(None)
    assert v["mediation_opened"] == 5.0  # all but `kept` (September) and `old` (August)
    assert v["mediation_agreed"] == 2.0
    assert v["mediation_referred"] == 1.0
    assert v["mediation_withdrawn"] == 1.0
    assert v["mediation_agreement_rate"] == round(2 / 3, 4)
    assert v["mediation_kept_rate"] == 0.5  # kept and broken visited in October; old in September
    assert v["mediation_median_days_to_close"] == 4.0  # 20, 4 and 1 days
    street_a = _values((district.street_a.path,))
    assert street_a["mediation_agreement_rate"] == 1.0
    assert street_a["mediation_referred"] == 0.0
    assert street_a["mediation_median_days_to_close"] == 10.5  # 20 and 1 days
    street_b = _values((district.street_b.path,))
    assert street_b["mediation_agreement_rate"] == 0.0
    assert street_b["mediation_kept_rate"] is None
    assert street_b["mediation_median_days_to_close"] == 4.0
