"""Monthly partitions of the appeal events and the audit log (core/partitions.py, PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from lianxin.appeals.models import AppealEvent
from lianxin.audit.services import audit_append, audit_verify
from lianxin.core import partitions as p
from tests.factories import AppealFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="declarative partitioning is PostgreSQL's (SQLite: no-op, tested below)",
)


def home_table(model_table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT tableoid::regclass::text FROM "{model_table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]


# --- plain helpers (every database) ---------------------------------------------------------


def test_months_are_counted_in_the_platform_time_zone():
    assert p.add_months(dt.date(2026, 11, 1), 3) == dt.date(2027, 2, 1)
    assert p.add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    # 2026-11-30 17:00 UTC is already 1 December in Shanghai.
    assert p.month_start(dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)) == dt.date(2026, 12, 1)
    assert p._bound(dt.date(2026, 12, 1)) == "2026-12-01 00:00:00+08:00"
    assert p.partition_name("audit_auditentry", dt.date(2026, 3, 1)) == "audit_auditentry_p202603"


def test_unique_constraints_gain_and_lose_the_partition_column():
    assert p._unique_with("UNIQUE (seq)", "at") == 'UNIQUE ("seq", "at")'
    assert p._unique_with('UNIQUE (seq, "at")', "at") == 'UNIQUE ("seq", "at")'
    assert p._unique_without('UNIQUE (seq, "at")', "at") == 'UNIQUE ("seq")'
    assert p._on_table("CREATE INDEX i ON ONLY public.t_partitioned USING btree (a)", "t") == (
        'CREATE INDEX i ON "t" USING btree (a)'
    )
    with pytest.raises(ValueError, match="unexpected unique constraint"):
        p._unique_columns("CHECK (a > 0)")


def test_names_are_checked_before_they_reach_sql():
    with pytest.raises(ValueError, match="not a table or column name"):
        p._check_name('x"; DROP TABLE y; --')


@pytest.mark.django_db
def test_on_sqlite_everything_is_a_no_op(capsys):
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite side of the module")
    assert p.ensure_partitions() == []
    assert p.partitions("appeals_appealevent") == []
    call_command("partitions")
    assert "PostgreSQL only" in capsys.readouterr().out


# --- PostgreSQL -----------------------------------------------------------------------------


@postgres_only
@pytest.mark.django_db
def test_migrations_partition_events_and_audit_by_month():
    this_month = p.month_start(timezone.now())
    for spec in p.registered():
        assert p.is_partitioned(spec.table)
        names = {part.name for part in p.partitions(spec.table)}
        assert f"{spec.table}_default" in names
        assert p.partition_name(spec.table, this_month) in names
        assert p.partition_name(spec.table, p.add_months(this_month, 1)) in names
    assert {spec.table for spec in p.registered()} >= {"appeals_appealevent", "audit_auditentry"}


@postgres_only
@pytest.mark.django_db
def test_rows_land_in_their_month_and_strays_move_out_of_the_default(district):
    appeal = AppealFactory(area=district.grid_a, category=district.cat_light)
    now_event = AppealEvent.objects.create(appeal=appeal, type="submitted", at=timezone.now())
    assert home_table("appeals_appealevent", now_event.pk) == p.partition_name(
        "appeals_appealevent", p.month_start(timezone.now())
    )
    # Imported history: a month with no partition yet goes to the default partition — never refused.
    old_at = dt.datetime(2019, 3, 31, 23, 30, tzinfo=SHANGHAI)  # still March in Shanghai, April in UTC
    old = AppealEvent.objects.create(appeal=appeal, type="submitted", at=old_at)
    assert home_table("appeals_appealevent", old.pk) == "appeals_appealevent_default"
    assert old.pk > now_event.pk  # one sequence numbers every partition

    made = p.ensure_partitions(ahead=1)
    assert "appeals_appealevent_p201903" in made
    assert home_table("appeals_appealevent", old.pk) == "appeals_appealevent_p201903"
    assert AppealEvent.objects.filter(appeal=appeal).count() == 2
    # Idempotent: a second run finds nothing to do.
    assert p.ensure_partitions(ahead=1) == []


@postgres_only
@pytest.mark.django_db
def test_the_audit_chain_verifies_across_partitions():
    with time_machine.travel(dt.datetime(2020, 6, 15, 12, 0, tzinfo=SHANGHAI), tick=False):
        audit_append(action="state_change", object_type="appeal", object_id="LX-old", data={"n": 1})
    audit_append(action="state_change", object_type="appeal", object_id="LX-new", data={"n": 2})
    assert p.ensure_partitions(ahead=0)
    assert "audit_auditentry_p202006" in {part.name for part in p.partitions("audit_auditentry")}
    assert audit_verify().ok


@postgres_only
@pytest.mark.django_db
def test_a_past_month_of_events_is_detached_into_an_archive(district):
    appeal = AppealFactory(area=district.grid_a, category=district.cat_light)
    AppealEvent.objects.create(appeal=appeal, type="submitted", at=dt.datetime(2021, 5, 2, tzinfo=SHANGHAI))
    kept = AppealEvent.objects.create(appeal=appeal, type="submitted", at=timezone.now())
    p.ensure_partitions(ahead=0)

    archive = p.detach_month("appeals_appealevent", dt.date(2021, 5, 1))
    assert archive == "appeals_appealevent_p202105_archive"
    assert list(AppealEvent.objects.filter(appeal=appeal)) == [kept]
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{archive}"')
        assert cursor.fetchone()[0] == 1


@postgres_only
@pytest.mark.django_db
def test_detaching_is_refused_where_it_would_lose_or_break_something():
    with pytest.raises(p.PartitionError, match="chain"):
        p.detach_month("audit_auditentry", dt.date(2020, 1, 1))
    with pytest.raises(p.PartitionError, match="before the current"):
        p.detach_month("appeals_appealevent", timezone.now().date())
    with pytest.raises(p.PartitionError, match="no partition"):
        p.detach_month("appeals_appealevent", dt.date(1999, 1, 1))
    with pytest.raises(p.PartitionError, match="not a partitioned table"):
        p.detach_month("appeals_appeal", dt.date(2020, 1, 1))
    with pytest.raises(CommandError, match="2025-01"):
        call_command("partitions", "--detach", "appeals_appealevent", "May 2021")
    with pytest.raises(CommandError, match="between 0 and 36"):
        call_command("partitions", "--ahead", "99")


@postgres_only
@pytest.mark.django_db
def test_command_lists_partitions(capsys):
    call_command("partitions", "--list")
    out = capsys.readouterr().out
    assert "appeals_appealevent_default" in out
    assert "audit_auditentry_default" in out


@postgres_only
@pytest.mark.django_db
def test_conversion_keeps_rows_ids_indexes_and_reverses():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE lx_scratch (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
            "at timestamptz NOT NULL, seq bigint NOT NULL UNIQUE, note text NOT NULL DEFAULT '')"
        )
        cursor.execute("CREATE INDEX lx_scratch_note ON lx_scratch (note)")
        cursor.execute(
            "INSERT INTO lx_scratch (at, seq, note) SELECT now() - (g || ' days')::interval, g, 'n' || g "
            "FROM generate_series(1, 90) g"
        )
        p.partition_by_month(connection, "lx_scratch", "at", ahead=1)
        assert p.is_partitioned("lx_scratch")
        cursor.execute("SELECT count(*), max(id) FROM lx_scratch")
        assert cursor.fetchone() == (90, 90)
        cursor.execute("INSERT INTO lx_scratch (at, seq) VALUES (now(), 91) RETURNING id")
        assert cursor.fetchone()[0] == 91
        cursor.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'lx_scratch'::regclass")
        assert cursor.fetchone()[0] >= 4  # three or four months of rows, one ahead, the default
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'lx_scratch'")
        assert "lx_scratch_note" in {row[0] for row in cursor.fetchall()}

        p.unpartition(connection, "lx_scratch")
        assert not p.is_partitioned("lx_scratch")
        cursor.execute("SELECT count(*), max(id) FROM lx_scratch")
        assert cursor.fetchone() == (91, 91)
        cursor.execute("INSERT INTO lx_scratch (at, seq) VALUES (now(), 92) RETURNING id")
        assert cursor.fetchone()[0] == 92
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'lx_scratch'::regclass"
        )
        assert {row[0] for row in cursor.fetchall()} >= {"PRIMARY KEY (id)", "UNIQUE (seq)"}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_maintenance_runs_at_once_do_not_collide(district):
    appeal = AppealFactory(area=district.grid_a, category=district.cat_light)
    AppealEvent.objects.create(appeal=appeal, type="submitted", at=dt.datetime(2018, 8, 8, tzinfo=SHANGHAI))
    barrier = threading.Barrier(2)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(p.ensure_partitions(ahead=1))
        except BaseException as exc:  # pragma: no cover - the assertion below names it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    made = sorted(results[0] + results[1])
    assert made.count("appeals_appealevent_p201808") == 1
    assert AppealEvent.objects.filter(appeal=appeal).count() == 1


def test_no_database_foreign_key_points_at_a_partitioned_table():
    """PostgreSQL refuses a foreign key to a partitioned table unless it includes the partition
    column: a model pointing at one must say `db_constraint=False` (Django still cascades/nulls)."""
    from django.apps import apps

    partitioned = {spec.table for spec in p.registered()}
    offenders = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if getattr(field, "many_to_one", False)
        and field.concrete
        and getattr(field, "db_constraint", False)
        and field.related_model is not None
        and field.related_model._meta.db_table in partitioned
    ]
    assert offenders == []
