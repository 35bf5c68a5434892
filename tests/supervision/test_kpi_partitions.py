"""The rollups' daily tables partitioned by month of `day` (migration 0012, core/partitions.py).

On PostgreSQL: the tables are partitioned (keys including `day`), folded rows land in their
month (or in the default partition, moved out by the daily job), the fold and the dashboard give
the same figures as before the move and as a full rebuild, and a past month can be detached.
On SQLite the same tables stay plain and the same code runs.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from lianxin.appeals.models import EventType, Status
from lianxin.core import partitions as p
from lianxin.supervision import rollups
from lianxin.supervision.models import KPI_TABLES, KpiAreaDaily, KpiAreaMonthly, KpiStreetDaily
from lianxin.supervision.selectors import Period, Slice, daily_series, kpis

from .conftest import History, at

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="declarative partitioning is PostgreSQL's (SQLite side tested below)",
)

DAILY = sorted(t.model._meta.db_table for t in KPI_TABLES.values() if "day" in t.key_fields)
MONTHLY = sorted(t.model._meta.db_table for t in KPI_TABLES.values() if "day" not in t.key_fields)
MAY = Period.month(2026, 5)


def homes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT DISTINCT tableoid::regclass::text FROM "{table}"')
        return {row[0] for row in cursor.fetchall()}


def figures() -> tuple:
    """What the dashboard shows for May: the month's figures, its daily series, one street's."""
    series = [(day, f.counters) for day, f in daily_series(MAY, Slice())]
    return kpis(MAY, Slice()).counters, series


def history(d, n: int, start: str = "2026-05-04 09:00") -> None:
    for i in range(n):
        submitted = at(start) + dt.timedelta(days=2 * i, hours=i)
        h = History(
            area=[d.grid_a, d.grid_b][i % 2], category=[d.cat_light, d.cat_env][i % 2], submitted=submitted
        )
        unit = [d.unit_city, d.unit_env][i % 2]
        h.dispatch(submitted + dt.timedelta(minutes=10), unit)
        h.accept(submitted + dt.timedelta(hours=1), unit)
        h.reply(submitted + dt.timedelta(days=1), unit)
        if i % 3 == 0:
            h.rate(submitted + dt.timedelta(days=2), unit, "satisfied", True)


def test_daily_tables_are_registered_for_the_monthly_job():
    assert DAILY == [
        "supervision_kpiareadaily",
        "supervision_kpicategorydaily",
        "supervision_kpistreetdaily",
        "supervision_kpistreettotaldaily",
    ]
    registered = {spec.table: spec for spec in p.registered()}
    for table in DAILY:
        assert registered[table].column == "day"
        assert registered[table].detachable
    assert not set(MONTHLY) & set(registered)


def test_date_columns_get_date_bounds_and_unique_indexes_gain_the_partition_column():
    assert p._bound(dt.date(2026, 12, 1), is_date=True) == "2026-12-01"
    assert (
        p._unique_index_with(
            "CREATE UNIQUE INDEX k ON \"t\" USING btree (external_id) WHERE ((external_id)::text <> ''::text)",  # noqa: E501
            "at",
        )
        == "CREATE UNIQUE INDEX k ON \"t\" USING btree (external_id, at) WHERE ((external_id)::text <> ''::text)"  # noqa: E501
    )
    assert p._unique_index_with('CREATE UNIQUE INDEX k ON "t" USING btree (a, at)', "at") == (
        'CREATE UNIQUE INDEX k ON "t" USING btree (a, at)'
    )
    assert (
        p._unique_index_with('CREATE INDEX k ON "t" USING btree (a)', "at")
        == 'CREATE INDEX k ON "t" USING btree (a)'
    )


def test_on_sqlite_the_daily_tables_stay_plain_and_fold(district):
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite side")
    history(district, 3)
    rollups.process_events(settle_seconds=0)
    assert not any(p.is_partitioned(t) for t in DAILY)
    assert kpis(MAY, Slice()).received == 3
    assert p.ensure_partitions() == []


@postgres_only
def test_migration_partitions_the_daily_tables_only():
    this_month = p.month_start(timezone.now())
    for table in DAILY:
        assert p.is_partitioned(table), table
        names = {part.name for part in p.partitions(table)}
        assert {
            f"{table}_default",
            p.partition_name(table, this_month),
            p.partition_name(table, p.add_months(this_month, 3)),
        } <= names
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype IN ('p', 'u')",
                [table],
            )
            keys = dict(cursor.fetchall())
        assert keys["p"] == "PRIMARY KEY (id, day)"
        assert keys["u"].startswith("UNIQUE (day, ")  # the fold's ON CONFLICT key, unchanged
    for table in MONTHLY:
        assert not p.is_partitioned(table), table


@postgres_only
def test_folded_rows_route_move_out_of_the_default_and_keep_their_figures(district):
    history(district, 6)
    rollups.process_events(settle_seconds=0)
    # May 2026 has no partition in a database created later: the fold's rows wait in the default.
    assert homes("supervision_kpistreetdaily") == {"supervision_kpistreetdaily_default"}
    before = figures()
    assert before[0]["received"] == 6
    assert before[0]["replied"] == 6

    made = p.ensure_partitions(ahead=1)
    for table in DAILY:
        assert p.partition_name(table, dt.date(2026, 5, 1)) in made
        assert homes(table) == {p.partition_name(table, dt.date(2026, 5, 1))}
    assert figures() == before

    # Folding more events of the month now upserts into its partition (ON CONFLICT on the key).
    history(district, 2, start="2026-05-20 10:00")
    rollups.process_events(settle_seconds=0)
    after = figures()
    assert after[0]["received"] == 8
    assert homes("supervision_kpistreetdaily") == {"supervision_kpistreetdaily_p202605"}
    assert KpiStreetDaily.objects.filter(day__gte=dt.date(2026, 5, 1)).count() > 0
    # A full rebuild (delete everything, fold every event again) gives the same figures.
    rollups.rebuild(settle_seconds=0)
    assert figures() == after
    assert homes("supervision_kpistreetdaily") == {"supervision_kpistreetdaily_p202605"}


@postgres_only
def test_a_past_month_of_daily_rollups_is_detached_and_the_month_figures_stay(district):
    history(district, 4)
    d = district
    h = History(area=d.grid_a, category=d.cat_light, submitted=timezone.now() - dt.timedelta(minutes=5))
    h.event(EventType.WITHDRAWN, timezone.now(), to=Status.WITHDRAWN)
    rollups.process_events(settle_seconds=0)
    p.ensure_partitions(ahead=0)
    may_days = KpiAreaDaily.objects.filter(day__gte=dt.date(2026, 5, 1), day__lt=dt.date(2026, 6, 1)).count()
    assert may_days > 0

    archive = p.detach_month("supervision_kpiareadaily", dt.date(2026, 5, 1))
    assert archive == "supervision_kpiareadaily_p202605_archive"
    assert not KpiAreaDaily.objects.filter(day__lt=dt.date(2026, 6, 1)).exists()
    assert KpiAreaDaily.objects.exists()  # this month's rows are untouched
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{archive}"')
        assert cursor.fetchone()[0] == may_days
    # The month's own figures live in the monthly table, which is not partitioned.
    assert KpiAreaMonthly.objects.filter(month=dt.date(2026, 5, 1)).exists()
    with pytest.raises(p.PartitionError, match="before the current"):
        p.detach_month("supervision_kpiareadaily", timezone.now().date())


@postgres_only
def test_a_table_that_foreign_keys_point_at_is_not_partitioned():
    with pytest.raises(ValueError, match="appeals_appealevent"):
        p.partition_by_month(connection, "appeals_appeal", "submitted_at")
    assert not p.is_partitioned("appeals_appeal")
