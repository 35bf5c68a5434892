"""`lianxin seed` fills community life in the demo district."""

from __future__ import annotations

import pytest

from lianxin.activities.models import Activity, HoursEntry, Organization, SignupStatus, Wish
from lianxin.audit.services import audit_verify
from tests.demo.conftest import run_seed


@pytest.mark.django_db
def test_seed_fills_activities_wishes_and_organizations():
    out = run_seed(appeals=0, seed=3, now="")
    assert "Community life" in out
    statuses = set(Activity.objects.values_list("status", flat=True))
    assert {"published", "finished"} <= statuses
    assert Activity.objects.filter(signups__status=SignupStatus.WAITLISTED).exists()
    assert HoursEntry.objects.filter(status="confirmed").exists()
    assert {"open", "claimed", "closed", "review"} <= set(Wish.objects.values_list("status", flat=True))
    assert Organization.objects.count() == 3
    assert audit_verify().ok
