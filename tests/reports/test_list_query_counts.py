"""The reports list costs the same number of queries for 2 reports as for 12 (issue 11)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.reports.models import Report, ReportStatus
from tests.querycount import queries_of

pytestmark = pytest.mark.django_db


def _reports(district, months):
    for month in months:
        Report.objects.create(
            period_label=f"2025-{month:02d}",
            period_kind="month",
            period_start=dt.date(2025, month, 1),
            period_end=dt.date(2025, month, 28),
            area=district.street_a if month % 2 else None,
            status=ReportStatus.PUBLISHED if month % 3 else ReportStatus.DRAFT,
            generated_at=timezone.now(),
            generated_by=district.supervisor,
            published_by=district.supervisor if month % 3 else None,
        )


def test_report_list_does_not_grow_with_rows(client, district, django_assert_max_num_queries):
    client.force_login(district.admin)
    _reports(district, [1, 2])
    few = queries_of(client, "/reports/")
    _reports(district, range(3, 13))
    with django_assert_max_num_queries(few):
        body = client.get("/reports/").content.decode()
    assert all(f"2025-{m:02d}" in body for m in range(1, 13))
