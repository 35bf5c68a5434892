"""Migrations that fill new rollup tables from the ones already folded: 0006 (the unit-less monthly
tables from the daily ones) and 0007 (day × street from day × unit × street × top category)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Sum

from lianxin.supervision.models import COUNTERS

BEFORE = [("supervision", "0005_area_category_daily")]
AFTER = [("supervision", "0006_area_category_monthly")]


@pytest.mark.django_db(transaction=True)
def test_monthly_tables_are_filled_from_the_daily_ones():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        area_daily = apps.get_model("supervision", "KpiAreaDaily")
        category_daily = apps.get_model("supervision", "KpiCategoryDaily")
        area_daily.objects.create(
            day=dt.date(2026, 5, 3), area_id=7, top_category_id=2, street_id=3, received=2
        )
        area_daily.objects.create(
            day=dt.date(2026, 5, 30),
            area_id=7,
            top_category_id=2,
            street_id=3,
            received=5,
            rated=1,
            satisfied=1,
        )
        area_daily.objects.create(
            day=dt.date(2026, 6, 1), area_id=7, top_category_id=2, street_id=3, received=1
        )
        category_daily.objects.create(
            day=dt.date(2026, 5, 4), street_id=3, category_id=9, top_category_id=2, received=4
        )
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        apps = executor.loader.project_state(AFTER).apps
        area_monthly = apps.get_model("supervision", "KpiAreaMonthly")
        category_monthly = apps.get_model("supervision", "KpiCategoryMonthly")
        may = area_monthly.objects.get(month=dt.date(2026, 5, 1))
        assert (may.area_id, may.top_category_id, may.street_id) == (7, 2, 3)
        assert (may.received, may.rated, may.satisfied) == (7, 1, 1)
        assert area_monthly.objects.get(month=dt.date(2026, 6, 1)).received == 1
        cat = category_monthly.objects.get()
        assert (cat.month, cat.street_id, cat.category_id, cat.top_category_id, cat.received) == (
            dt.date(2026, 5, 1),
            3,
            9,
            2,
            4,
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


BEFORE_TOTALS = [("supervision", "0006_area_category_monthly")]
AFTER_TOTALS = [("supervision", "0007_street_total_daily")]


@pytest.mark.django_db(transaction=True)
def test_street_total_daily_is_filled_from_the_street_daily_table():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_TOTALS)
    try:
        apps = executor.loader.project_state(BEFORE_TOTALS).apps
        daily = apps.get_model("supervision", "KpiStreetDaily")
        apps.get_model("supervision", "Watermark").objects.create(name="kpi", last_id=42)
        may3, may4 = dt.date(2026, 5, 3), dt.date(2026, 5, 4)
        # street 3 on May 3: intake (no unit) and two units, two top categories
        daily.objects.create(day=may3, unit_id=0, street_id=3, top_category_id=2, received=4)
        daily.objects.create(day=may3, unit_id=0, street_id=3, top_category_id=5, received=1)
        daily.objects.create(
            day=may3,
            unit_id=8,
            street_id=3,
            top_category_id=2,
            assigned=3,
            accepted=2,
            accept_seconds=5_000_000_000,
            rated=1,
            satisfied=1,
        )
        daily.objects.create(
            day=may3, unit_id=9, street_id=3, top_category_id=5, assigned=1, withdrawn=1, close_seconds=7
        )
        # another street the same day, the same street another day, and appeals without an area
        daily.objects.create(day=may3, unit_id=8, street_id=4, top_category_id=2, received=6, overdue_days=3)
        daily.objects.create(day=may4, unit_id=0, street_id=3, top_category_id=0, received=2)
        daily.objects.create(
            day=may4, unit_id=8, street_id=0, top_category_id=2, replied=1, replied_on_time=1
        )
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER_TOTALS)
        apps = executor.loader.project_state(AFTER_TOTALS).apps
        total = apps.get_model("supervision", "KpiStreetTotalDaily")
        fields = (
            "day",
            "street_id",
            "received",
            "assigned",
            "accepted",
            "accept_seconds",
            "rated",
            "satisfied",
            "withdrawn",
            "close_seconds",
            "overdue_days",
            "replied",
            "replied_on_time",
        )
        assert sorted(total.objects.values_list(*fields)) == [
            (may3, 3, 5, 4, 2, 5_000_000_000, 1, 1, 1, 7, 0, 0, 0),
            (may3, 4, 6, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0),
            (may4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1),
            (may4, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        ]
        # every counter column is filled: the table's sums equal the daily table's
        columns = {f.name for f in total._meta.get_fields()}  # the counters of that migration state
        sums = {c: Sum(c) for c in COUNTERS if c in columns}
        assert total.objects.aggregate(**sums) == daily.objects.aggregate(**sums)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
