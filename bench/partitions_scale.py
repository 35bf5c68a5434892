#!/usr/bin/env python
"""Plain against partitioned at province scale: two databases of the same shape (PostgreSQL).

    nice .venv/bin/python bench/partitions_scale.py seed --db lx_scale_plain --shape plain --appeals 20000000
    nice .venv/bin/python bench/partitions_scale.py seed --db lx_scale_part --shape partitioned \
        --appeals 20000000
    nice .venv/bin/python bench/partitions_scale.py measure --db lx_scale_plain --db lx_scale_part --rounds 6

`seed` (re)creates one database with the real migrations, then gives it a shape:
- `plain`: the appeals, their events, the audit log and the rollups' daily tables are plain tables;
- `partitioned`: all four partitioned by month (`core/partitions.partition_by_month`; the months
  of the whole history exist before loading). The appeals table can only be partitioned without
  the foreign keys that point at it (14 tables reference `appeals_appeal.id`; PostgreSQL cannot
  reference a partitioned table's `id` alone): they are dropped in this shape, its primary key
  becomes `(id, submitted_at)` and the tracking-number key `(tracking_number, submitted_at)`.
Then it seeds, with set-based SQL only (`INSERT … SELECT generate_series`, bench/dashboard.py's
seeders): the organisation (1 district, 12 streets, 384 grids, 80 leaf categories, 30 units),
`--appeals` appeals spread evenly over `--days` days ending today, three events per appeal
(submitted, dispatched, and replied/closed when the appeal got there), and every rollup table
from the appeals. Secondary indexes are dropped while loading and rebuilt afterwards (the same
definitions on both shapes), except the three trigram (GIN) search indexes, which are left out on
both: they take most of the build time and neither intake's cost difference nor any read measured
here depends on them. Finally VACUUM ANALYZE and a size report.

`measure` runs, in turns (database A, database B, A, B … `--rounds` times, one fresh process per
turn so both see the same machine load), each of:
- `intake`: one appeal row and its `submitted` event written in one transaction (the database
  part of an intake; the row is a copy of a random existing appeal with a new id and number);
- `by tracking number` / `by id`: `Appeal.objects.get(...)` of a random appeal, then its events
  (what the public lookup and the detail page read);
- `unit queue`: a unit's open appeals, newest 50 (`unit_id`, `status IN (...)`, by submission);
- `dashboard`: every selector the `/supervision/` page calls for a random month (bench/dashboard.py's
  bundle: figures, rankings, series, map, overdue list).
Prints one JSON line per (database, operation) with p50/p95/p99 in ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

ADMIN = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DAILY_TABLES = (
    "supervision_kpistreetdaily",
    "supervision_kpistreettotaldaily",
    "supervision_kpiareadaily",
    "supervision_kpicategorydaily",
)
OPEN = ("dispatched", "accepted", "replied")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def db_url(name: str) -> str:
    return f"{ADMIN.rsplit('/', 1)[0]}/{name}"


# --- seeding ---------------------------------------------------------------------------------------


def _secondary_indexes(cur, table: str) -> list[tuple[str, str]]:
    """Index definitions that are not constraints (primary/unique keys stay during the load)."""
    cur.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND i.schemaname = 'public' "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        [table],
    )
    return cur.fetchall()


def _drop_incoming_foreign_keys(cur, table: str) -> list[str]:
    cur.execute(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint "
        "WHERE confrelid = %s::regclass AND contype = 'f' AND conparentid = 0",
        [table],
    )
    dropped = []
    for owner, name in cur.fetchall():
        cur.execute(f'ALTER TABLE {owner} DROP CONSTRAINT "{name}"')
        dropped.append(f"{owner}.{name}")
    return dropped


def seed(args: argparse.Namespace) -> None:
    import datetime as dt

    import dashboard  # type: ignore[import-not-found]  # bench/dashboard.py, beside this script

    dashboard.UNITS = 30
    log(f"{args.db}: recreate and migrate")
    dashboard.recreate_database(ADMIN, args.db)
    env = dict(os.environ, LIANXIN_DATABASE_URL=db_url(args.db), PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], check=True, env=env, cwd=ROOT)
    dashboard.setup_django(db_url(args.db))
    from django.db import connection
    from django.utils import timezone

    from lianxin.core import partitions

    start = timezone.now() - dt.timedelta(days=args.days)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE appeals_appealevent, audit_auditentry")
        if args.shape == "plain":
            for table in ("appeals_appealevent", "audit_auditentry", "appeals_appeal", *DAILY_TABLES):
                partitions.unpartition(connection, table, column_added_to_unique=table not in DAILY_TABLES)
        else:
            dropped = _drop_incoming_foreign_keys(cur, "appeals_appeal")
            log(f"dropped {len(dropped)} foreign keys to appeals_appeal")
            for table, column in (
                ("appeals_appeal", "submitted_at"),
                ("appeals_appealevent", "at"),
                ("audit_auditentry", "at"),
                *((t, "day") for t in DAILY_TABLES),
            ):
                # months made afresh from `since` (the daily keys began with `day` before partitioning)
                partitions.unpartition(connection, table, column_added_to_unique=table not in DAILY_TABLES)
                partitions.partition_by_month(connection, table, column, since=start.date(), ahead=2)
    org = dashboard.seed_org()
    connection.ensure_connection()
    raw = connection.connection
    raw.autocommit = True
    with raw.cursor() as cur:
        saved = {t: _secondary_indexes(cur, t) for t in ("appeals_appeal", "appeals_appealevent")}
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'appeals_appeal'::regclass AND contype = 'u'"
        )
        unique = cur.fetchall()
        for indexes in saved.values():
            for name, _definition in indexes:
                cur.execute(f'DROP INDEX IF EXISTS "{name}"')
    timings["schema"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    log(f"seeding {args.appeals:,} appeals from {start:%Y-%m-%d}")
    dashboard.seed_appeals(raw, org, args.appeals, args.days, start.isoformat())  # drops its unique keys too
    timings["appeals"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    seed_events(raw, args.appeals)
    timings["events"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    log("indexes")
    with raw.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute("DROP INDEX IF EXISTS bench_appeal_closed_at")
        for name, definition in unique:
            cur.execute(f'ALTER TABLE appeals_appeal ADD CONSTRAINT "{name}" {definition}')
        for indexes in saved.values():
            for name, definition in indexes:
                if "gin_trgm_ops" in definition:
                    continue
                cur.execute(definition.replace(" ON ONLY ", " ON "))
                log(f"  {name}")
    timings["indexes"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    log("rollups")
    dashboard.seed_rollups(raw, args.appeals)
    timings["rollups"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with raw.cursor() as cur:
        cur.execute("VACUUM ANALYZE appeals_appealevent")
        cur.execute("VACUUM ANALYZE appeals_appeal")
    timings["vacuum"] = time.perf_counter() - t0
    report = {
        "db": args.db,
        "shape": args.shape,
        "appeals": args.appeals,
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "sizes": sizes(raw),
    }
    print(json.dumps(report))


def seed_events(raw, n: int) -> None:
    """Three events per appeal: submitted, dispatched (or the merge/withdrawal), and the last step
    reached (replied, closed) — the rows intake and handling write, in appeal order."""
    with raw.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        for lo in range(1, n + 1, 1_000_000):
            hi = min(n, lo + 999_999)
            t0 = time.perf_counter()
            cur.execute(
                f"""
                INSERT INTO appeals_appealevent (appeal_id, type, at, unit_id, actor_label, from_status,
                    to_status, note, data, public)
                SELECT a.id, e.type, e.at, e.unit_id, '', e.f, e.t, '', '{{}}'::jsonb, true
                FROM appeals_appeal a CROSS JOIN LATERAL (VALUES
                    ('submitted', a.submitted_at, NULL::bigint, '', 'submitted'),
                    (CASE WHEN a.dispatched_at IS NULL THEN a.status ELSE 'dispatched' END,
                     coalesce(a.dispatched_at, a.closed_at, a.submitted_at + interval '1 hour'), a.unit_id,
                     'submitted', CASE WHEN a.dispatched_at IS NULL THEN a.status ELSE 'dispatched' END),
                    (CASE WHEN a.status IN ('closed', 'replied') THEN a.status ELSE 'accepted' END,
                     coalesce(a.closed_at, a.replied_at, a.accepted_at, a.submitted_at + interval '2 hours'),
                     a.unit_id, 'dispatched', a.status)
                ) AS e(type, at, unit_id, f, t)
                WHERE a.id BETWEEN {lo} AND {hi}
                """
            )
            log(f"  events of appeals {lo:,}–{hi:,} in {time.perf_counter() - t0:.1f}s")
        cur.execute("SET session_replication_role = origin")


def sizes(raw) -> dict[str, Any]:
    """Heap and index bytes of each table (partitions summed into their parent)."""
    out: dict[str, Any] = {}
    with raw.cursor() as cur:
        for table in ("appeals_appeal", "appeals_appealevent", *DAILY_TABLES):
            cur.execute(
                "SELECT coalesce(sum(pg_relation_size(c.oid)), 0), coalesce(sum(pg_indexes_size(c.oid)), 0), "
                "count(*) - 1 FROM pg_class c WHERE c.oid = %s::regclass "
                "OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %s::regclass)",
                [table, table],
            )
            heap, index, parts = cur.fetchone()
            cur.execute(
                "SELECT i.relname, pg_relation_size(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "  # noqa: E501
                "WHERE x.indrelid = %s::regclass",
                [table],
            )
            per_index = {}
            for name, _size in cur.fetchall():
                cur.execute(
                    "SELECT coalesce(sum(pg_relation_size(c.oid)), 0) FROM pg_class c WHERE c.oid = %s::regclass "  # noqa: E501
                    "OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %s::regclass)",
                    [name, name],
                )
                per_index[name] = round(float(cur.fetchone()[0]) / 1e6, 1)
            out[table] = {
                "heap_mb": round(float(heap) / 1e6, 1),
                "indexes_mb": round(float(index) / 1e6, 1),
                "partitions": parts,
                "index_mb": per_index,
            }
        cur.execute("SELECT pg_database_size(current_database())")
        out["database_mb"] = round(float(cur.fetchone()[0]) / 1e6, 1)
    return out


# --- measuring -------------------------------------------------------------------------------------


def one_turn(args: argparse.Namespace) -> None:
    """One process, one database: every operation `--repeat` times; raw samples as JSON."""
    import dashboard

    dashboard.setup_django(db_url(args.db[0]))
    from django.db import connection, transaction

    from lianxin.appeals.models import Appeal, AppealEvent
    from lianxin.org.models import User
    from lianxin.supervision import selectors
    from lianxin.supervision.models import KpiStreetMonthly
    from lianxin.supervision.policy import jurisdiction_of
    from lianxin.supervision.selectors import Period, Slice

    rng = random.Random(args.seed)
    with connection.cursor() as cur:
        cur.execute("SELECT max(id) FROM appeals_appeal WHERE tracking_number LIKE 'B%%'")
        n = cur.fetchone()[0]
        cur.execute(
            "SELECT DISTINCT unit_id FROM appeals_appeal WHERE id > %s AND unit_id IS NOT NULL", [n - 5000]
        )
        units = sorted(r[0] for r in cur.fetchall())
        cur.execute(
            "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM information_schema.columns "
            "WHERE table_name = 'appeals_appeal' AND column_name NOT IN ('id', 'tracking_number', 'submitted_at')"  # noqa: E501
        )
        columns = cur.fetchone()[0]
    months = sorted(set(KpiStreetMonthly.objects.values_list("month", flat=True)))[1:-1]
    j = jurisdiction_of(User.objects.get(username="bench_admin"))

    def intake() -> None:
        source = rng.randint(1, n)
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO appeals_appeal (tracking_number, submitted_at, {columns}) "
                f"SELECT 'N' || nextval(pg_get_serial_sequence('appeals_appeal', 'id')), now(), {columns} "
                "FROM appeals_appeal WHERE id = %s RETURNING id",
                [source],
            )
            new_id = cur.fetchone()[0]
            cur.execute(
                "INSERT INTO appeals_appealevent (appeal_id, type, at, actor_label, from_status, to_status, note, "  # noqa: E501
                "data, public) VALUES (%s, 'submitted', now(), '', '', 'submitted', '', '{}', true)",
                [new_id],
            )

    def by_tracking() -> None:
        appeal = Appeal.objects.get(tracking_number=f"B{rng.randint(1, n)}")
        list(AppealEvent.objects.filter(appeal_id=appeal.pk).order_by("at", "id"))

    def by_id() -> None:
        appeal = Appeal.objects.get(pk=rng.randint(1, n))
        list(AppealEvent.objects.filter(appeal_id=appeal.pk).order_by("at", "id"))

    def queue() -> None:
        list(Appeal.objects.filter(unit_id=rng.choice(units), status__in=OPEN).order_by("-submitted_at")[:50])

    def dash() -> None:
        m = rng.choice(months)
        p, s = Period.month(m.year, m.month), Slice()
        selectors.kpis(p, s)
        selectors.kpis(p.previous(), s)
        selectors.weekly(selectors.daily_series(p, s))
        selectors.breakdown(p, s, by="top_category", fields=("received",))
        selectors.rankings(p, s, by="unit")
        selectors.rankings(p, s, by="street")
        list(selectors.overdue_appeals(s)[:50])
        selectors.grid_map(p, s)
        selectors.surge_warnings(j)
        selectors.recurring_problems(p, s)

    operations = {
        "intake": intake,
        "by tracking number": by_tracking,
        "by id": by_id,
        "unit queue": queue,
        "dashboard": dash,
    }
    operations = {name: fn for name, fn in operations.items() if not args.ops or name in args.ops}
    samples: dict[str, list[float]] = {name: [] for name in operations}
    for fn in operations.values():
        fn()  # warm-up
    for _ in range(args.repeat):
        for name, fn in operations.items():
            t0 = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - t0) * 1000)
    print(json.dumps(samples))


def measure(args: argparse.Namespace) -> None:
    results: dict[tuple[str, str], list[float]] = {}
    for turn in range(args.rounds):
        for db in args.db:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "turn",
                    "--db",
                    db,
                    "--repeat",
                    str(args.repeat),
                    "--seed",
                    str(turn),
                    *(f"--ops={name}" for name in args.ops or ()),
                ],
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            ).stdout
            load = os.getloadavg()[0]
            for name, values in json.loads(out).items():
                results.setdefault((db, name), []).extend(values)
            log(f"round {turn + 1}, {db} done (load {load:.1f})")
    for (db, name), values in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        values.sort()

        def pct(q: float, values: list[float] = values) -> float:
            return round(values[min(len(values) - 1, round(q * (len(values) - 1)))], 2)

        print(
            json.dumps(
                {
                    "db": db,
                    "operation": name,
                    "n": len(values),
                    "p50_ms": round(statistics.median(values), 2),
                    "p95_ms": pct(0.95),
                    "p99_ms": pct(0.99),
                }
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("step", choices=["seed", "measure", "turn"])
    parser.add_argument("--db", action="append", required=True)
    parser.add_argument("--shape", choices=["plain", "partitioned"])
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=790, help="history length (default ≈ 26 months)")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ops", action="append", help="only these operations (default: all)")
    args = parser.parse_args()
    if args.step == "seed":
        args.db = args.db[0]
        seed(args)
    elif args.step == "turn":
        one_turn(args)
    else:
        measure(args)


if __name__ == "__main__":
    main()
