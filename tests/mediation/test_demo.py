"""`lianxin seed` fills mediation: mediators and cases in every state, made through the services."""

from __future__ import annotations

import pytest

from lianxin.mediation.demo import seed_mediation
from lianxin.mediation.models import CaseEvent, MediationCase, Mediator, Status

from ..demo.conftest import run_seed

pytestmark = pytest.mark.django_db


def test_seed_creates_cases_in_every_outcome():
    run_seed(appeals=50, seed=3)
    assert Mediator.objects.filter(user__username="mediator").exists()
    statuses = set(MediationCase.objects.values_list("status", flat=True))
    assert {
        Status.REQUESTED,
        Status.ACCEPTED,
        Status.ASSIGNED,
        Status.IN_MEDIATION,
        Status.AGREED,
        Status.CLOSED,
        Status.REFERRED,
        Status.WITHDRAWN,
    } <= statuses
    closed = MediationCase.objects.filter(status=Status.CLOSED).first()
    assert closed is not None
    assert closed.follow_ups.exists()
    assert not closed.parties.filter(signed_at=None).exists()
    assert CaseEvent.objects.count() > MediationCase.objects.count()
    assert seed_mediation(seed=3) == 0  # once only
