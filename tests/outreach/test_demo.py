"""`lianxin seed` fills outreach: households, assignments, visits; the cadre pages show them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from lianxin.org.models import User
from lianxin.outreach.models import AssignmentKind, ContactAssignment, Household, Visit
from lianxin.outreach.selectors import my_households

from ..demo.conftest import run_seed


@pytest.mark.django_db
def test_seed_fills_households_assignments_visits_and_points():
    run_seed(appeals=50, seed=3)
    assert Household.objects.count() >= 30
    assert Visit.objects.exists()
    worker = User.objects.filter(username__startswith="grid-").order_by("username").first()
    assert worker is not None
    lines = my_households(worker, dt.date(2026, 11, 25))
    assert 1 <= len(lines) <= 10  # within the per-person limit
    leader = User.objects.get(username="leader-s01")
    assert ContactAssignment.objects.filter(cadre=leader, kind=AssignmentKind.POINT).exists()
    client = Client()
    client.force_login(worker)
    assert client.get("/outreach/mine/").status_code == 200
    client.force_login(leader)
    page = client.get("/outreach/points/").content.decode()
    assert "住户" in page
