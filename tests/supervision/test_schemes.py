"""The assessment schemes kept in the process: a saved scheme counts at once; `fresh` reads the
table (the fold's follow-up sampling) even after a change that sent no signal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lianxin.supervision.models import AssessmentScheme
from lianxin.supervision.selectors import scheme_for

pytestmark = pytest.mark.django_db

MAY = dt.date(2026, 5, 1)


def test_the_scheme_in_force_is_read_once_per_process():
    scheme_for(MAY)
    with CaptureQueriesContext(connection) as queries:
        for month in (MAY, dt.date(2026, 6, 1), dt.date(1999, 1, 1)):
            scheme_for(month)
    assert len(queries) == 0


def test_saving_a_scheme_counts_at_once():
    assert scheme_for(MAY).weight_response == Decimal(30)
    AssessmentScheme.objects.create(name="五月起", valid_from=MAY, weight_response=Decimal(50))
    assert scheme_for(MAY).name == "五月起"
    assert scheme_for(dt.date(2026, 4, 1)).name != "五月起"
    later = AssessmentScheme.objects.get(name="五月起")
    later.active = False
    later.save()
    assert scheme_for(MAY).name != "五月起"


def test_no_active_scheme_means_the_default_weights():
    AssessmentScheme.objects.all().delete()
    default = scheme_for(MAY)
    assert (default.pk, default.weight_response, default.weight_resolution, default.weight_satisfaction) == (  # type: ignore[comparison-overlap]  # unsaved: pk None
        None,
        30,
        35,
        35,
    )


def test_fresh_reads_a_change_that_sent_no_signal():
    scheme_for(MAY)
    AssessmentScheme.objects.update(follow_up_sample_percent=Decimal("0"))
    assert scheme_for(MAY, fresh=True).follow_up_sample_percent == 0
