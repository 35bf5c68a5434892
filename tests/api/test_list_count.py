"""The API list's count for its pager: exact up to a cap, beyond it PostgreSQL's estimate, said so."""

from __future__ import annotations

import pytest
from django.db import connection

from lianxin.api import appeals as api_appeals
from lianxin.appeals.counting import count_for_pager
from lianxin.appeals.models import Appeal
from tests.factories import AppealFactory

from .conftest import Api

pytestmark = pytest.mark.django_db


def test_below_the_cap_the_count_is_exact(district):
    for _ in range(3):
        AppealFactory()
    page = Api().get("/appeals", user=district.admin, page_size=2).json()
    assert page["count"] == 3
    assert page["count_exact"] is True
    assert page["pages"] == 2


def test_beyond_the_cap_the_count_is_an_estimate_and_says_so(district, monkeypatch):
    monkeypatch.setattr(api_appeals, "LIST_COUNT_CAP", 4)
    for _ in range(7):
        AppealFactory()
    page = Api().get("/appeals", user=district.admin, page_size=2).json()
    assert len(page["results"]) == 2
    if connection.vendor == "postgresql":
        assert page["count_exact"] is False
        assert page["count"] >= 5
        assert page["pages"] == -(-page["count"] // 2)
    else:  # SQLite (the embedded mode) counts exactly
        assert page["count"] == 7
        assert page["count_exact"] is True


def test_what_the_reader_may_not_see_is_not_counted(district, monkeypatch):
    monkeypatch.setattr(api_appeals, "LIST_COUNT_CAP", 4)
    for _ in range(7):
        AppealFactory()
    page = Api().get("/appeals", user=district.handler_city).json()  # nothing dispatched to this unit
    assert page["count"] == 0
    assert page["count_exact"] is True


def test_count_for_pager_counts_at_most_the_cap_plus_one(db, django_assert_num_queries):
    for _ in range(3):
        AppealFactory()
    with django_assert_num_queries(1):
        assert count_for_pager(Appeal.objects.all(), cap=3).exact
    with django_assert_num_queries(2):  # the capped count, then the estimate (or the whole count)
        counted = count_for_pager(Appeal.objects.all(), cap=2)
    assert counted.n >= 3
    assert counted.exact == (connection.vendor != "postgresql")
