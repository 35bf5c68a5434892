"""Migration 0006 fills the unit-less monthly tables from the daily ones already folded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

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
        area_daily.objects.create(day=dt.date(2026, 5, 3), area_id=7, top_category_id=2, street_id=3, received=2)
        area_daily.objects.create(day=dt.date(2026, 5, 30), area_id=7, top_category_id=2, street_id=3, received=5,
                                  rated=1, satisfied=1)
        area_daily.objects.create(day=dt.date(2026, 6, 1), area_id=7, top_category_id=2, street_id=3, received=1)
        category_daily.objects.create(day=dt.date(2026, 5, 4), street_id=3, category_id=9, top_category_id=2,
                                      received=4)
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
            dt.date(2026, 5, 1), 3, 9, 2, 4
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
