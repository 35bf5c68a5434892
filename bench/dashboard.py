#!/usr/bin/env python
"""Benchmark the supervision dashboard on PostgreSQL at scale.

    .venv/bin/python bench/dashboard.py --appeals 1000000
    .venv/bin/python bench/dashboard.py --appeals 20000000 --repeat 20

What it does, in a separate database (default `lianxin_bench`, dropped and re-created):

1. Migrates the schema and creates an organisation: 1 district, 12 streets, 48 communities,
   384 grids (with square GeoJSON boundaries), 10 top-level × 8 leaf categories, 120 units and a
   dispatch map (leaf category × street → unit).
2. Seeds `--appeals` appeal rows with one `INSERT … SELECT generate_series` per million, spread
   evenly over `--days` days (default 3 years): unit, grid, category, status, dispatch / accept /
   reply / close times, late flags, ratings. Foreign-key triggers are off while loading and the
   appeal indexes the benchmark does not use are dropped (the tracking-number, phone, queue and
   other secondary indexes); the submitted_at, overdue and (added) closed_at indexes are kept.
3. Generates the rollup tables (`supervision_kpistreetdaily`, `supervision_kpistreetmonthly`,
   `supervision_kpimonthly`, and the unit-less `supervision_kpiareadaily` (day × grid × top
   category) and `supervision_kpicategorydaily` (day × street × leaf category) with their monthly
   sums `supervision_kpiareamonthly` and `supervision_kpicategorymonthly`, and
   `supervision_kpistreettotaldaily` (day × street, the street-daily table summed over units and
   top categories; `seed_street_total_daily` fills it on an existing database)) directly from
   the appeal rows with SQL, at the cardinality the event
   folding would produce (then CLUSTERed on their keys, the layout the folding's append order
   gives): intake
   counters on the submission day with unit 0, dispatch-side counters (assigned, returned,
   accepted, accept time) on the submission day with the unit, closing counters (replied,
   ratings, closed, close time, overdue, merged, withdrawn) on the closing day.
4. Writes raw `AppealEvent` rows (submitted, dispatched, accepted, replied, rated) for the last
   `--event-appeals` appeals only, to measure the cost of folding events into the rollups
   (`lianxin.supervision.rollups.process_events`, inside a transaction that is rolled back) and,
   for comparison, of one synchronous upsert per event (what a hook in `record_event` would do).
5. Measures p50/p95 over `--repeat` runs on random months: each dashboard selector, the whole
   set of selectors the dashboard view calls, and the rendered `/supervision/` page for an
   administrator (for a month whose figures just changed — its watermark touched, as the fold
   does — so nothing of it is cached; the same after emptying the cache, as in a process that
   just started; and a month looked at again), all on the rollups; beside them, the same
   district / per-unit / per-street / daily figures computed by a plain GROUP BY over the appeals
   table; and checks that both give the same numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STREETS, COMMUNITIES_PER_STREET, GRIDS_PER_COMMUNITY = 12, 4, 8
TOP_CATEGORIES, LEAVES_PER_TOP = 10, 8
UNITS = 120
CHUNK = 1_000_000


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def admin_connect(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


def recreate_database(admin_url: str, name: str) -> None:
    with admin_connect(admin_url) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> "
            "pg_backend_pid()",
            [name],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(db_url: str) -> None:
    os.environ["LIANXIN_DATABASE_URL"] = db_url
    os.environ.setdefault("LIANXIN_ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings.test")
    import django

    django.setup()


# --- seeding -------------------------------------------------------------------------------------------


def seed_org() -> dict[str, Any]:
    from lianxin.org.models import Area, AreaLevel, Category, Role, RoleAssignment, Unit, UnitKind, User

    district = Area.objects.create(code="D", name="基准区", level=AreaLevel.DISTRICT)
    grid_rows: list[tuple[int, int]] = []  # (grid id, street index)
    street_ids = []
    for s in range(STREETS):
        street = Area.objects.create(code=f"S{s}", name=f"街道{s}", level=AreaLevel.STREET, parent=district)
        street_ids.append(street.pk)
        for c in range(COMMUNITIES_PER_STREET):
            community = Area.objects.create(
                code=f"S{s}C{c}", name=f"社区{s}-{c}", level=AreaLevel.COMMUNITY, parent=street
            )
            for g in range(GRIDS_PER_COMMUNITY):
                x, y = (s % 4) * 4 + c, (s // 4) * 8 + g
                boundary = {
                    "type": "Polygon",
                    "coordinates": [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]],
                }
                grid = Area.objects.create(
                    code=f"S{s}C{c}G{g}",
                    name=f"网格{s}-{c}-{g}",
                    level=AreaLevel.GRID,
                    parent=community,
                    boundary=boundary,
                )
                grid_rows.append((grid.pk, s))
    leaf_ids = []
    for t in range(TOP_CATEGORIES):
        top = Category.objects.create(code=f"T{t}", name=f"大类{t}")
        for leaf in range(LEAVES_PER_TOP):
            leaf_ids.append(
                Category.objects.create(code=f"T{t}L{leaf}", name=f"小类{t}-{leaf}", parent=top).pk
            )
    unit_ids = [
        Unit.objects.create(code=f"U{u:03d}", name=f"单位{u:03d}", kind=UnitKind.DEPARTMENT, area=district).pk
        for u in range(UNITS)
    ]
    admin = User.objects.create_user(username="bench_admin", password="bench12345")
    RoleAssignment.objects.create(user=admin, role=Role.ADMIN)
    return {"grids": grid_rows, "leaves": leaf_ids, "units": unit_ids, "streets": street_ids, "admin": admin}


APPEAL_COLUMNS = [
    "id",
    "tracking_number",
    "title",
    "text",
    "kind",
    "channel",
    "category_id",
    "area_id",
    "address",
    "is_anonymous",
    "contact_name",
    "contact_phone",
    "contact_consent",
    "access_code_hash",
    "urgency",
    "urgency_triggers",
    "status",
    "unit_id",
    "suggestion",
    "submitted_at",
    "dispatched_at",
    "accepted_at",
    "replied_at",
    "closed_at",
    "resolve_due_at",
    "due_soon",
    "overdue",
    "accept_overdue",
    "reply_text",
    "satisfaction",
    "solved",
    "rating_comment",
    "rated_at",
    "reopen_count",
    "return_count",
    "updated_at",
]

APPEAL_INDEXES_TO_DROP = """
SELECT indexname FROM pg_indexes WHERE tablename = 'appeals_appeal'
AND indexname NOT LIKE '%%pkey' AND indexname NOT LIKE '%%submitted_at%%'
    AND indexname NOT LIKE '%%overdue_7b%%'
AND indexname NOT LIKE 'supervision%%'
"""


def seed_appeals(conn, org: dict[str, Any], n: int, days: int, start: str) -> None:
    with conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # no FK triggers while loading
        cur.execute(APPEAL_INDEXES_TO_DROP)
        for (name,) in cur.fetchall():
            cur.execute(f'ALTER TABLE appeals_appeal DROP CONSTRAINT IF EXISTS "{name}"')
            cur.execute(f'DROP INDEX IF EXISTS "{name}"')
        cur.execute("CREATE TEMP TABLE bench_grid (idx int PRIMARY KEY, grid_id bigint, street_idx int)")
        cur.executemany(
            "INSERT INTO bench_grid VALUES (%s, %s, %s)",
            [(i + 1, g, s) for i, (g, s) in enumerate(org["grids"])],
        )
        cur.execute("CREATE TEMP TABLE bench_cat (idx int PRIMARY KEY, category_id bigint)")
        cur.executemany(
            "INSERT INTO bench_cat VALUES (%s, %s)", [(i + 1, c) for i, c in enumerate(org["leaves"])]
        )
        cur.execute(
            "CREATE TEMP TABLE bench_unit (cat_idx int, street_idx int, unit_id bigint, PRIMARY KEY "
            "(cat_idx, street_idx))"
        )
        rng = random.Random(7)
        cur.executemany(
            "INSERT INTO bench_unit VALUES (%s, %s, %s)",
            [
                (c + 1, s, org["units"][(c * 3 + (s if rng.random() < 0.5 else 0)) % UNITS])
                for c in range(len(org["leaves"]))
                for s in range(STREETS)
            ],
        )
        cur.execute("ANALYZE bench_grid; ANALYZE bench_cat; ANALYZE bench_unit")
        cur.execute("SELECT setseed(0.42)")
        span = days * 86400
        # NOT NULL columns this script does not know about (added by later migrations): neutral values
        known = set(APPEAL_COLUMNS)
        cur.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = "
            "'appeals_appeal' "
            "AND is_nullable = 'NO' AND column_default IS NULL"
        )
        neutral = {"boolean": "false", "jsonb": "'{}'::jsonb", "date": "sub::date"}
        extra_cols, extra_vals = [], []
        for name, data_type in cur.fetchall():
            if name in known:
                continue
            extra_cols.append(name)
            if "timestamp" in data_type:
                extra_vals.append("sub")
            elif data_type in neutral:
                extra_vals.append(neutral[data_type])
            elif data_type in ("character varying", "text"):
                extra_vals.append("''")
            else:
                extra_vals.append("0")
        extra_cols_sql = "".join(f", {c}" for c in extra_cols)
        extra_vals_sql = "".join(f", {v}" for v in extra_vals)
        for lo in range(1, n + 1, CHUNK):
            hi = min(n, lo + CHUNK - 1)
            t0 = time.perf_counter()
            cur.execute(
                f"""
                INSERT INTO appeals_appeal (
                    id, tracking_number, title, text, kind, channel, category_id, area_id, address,
                    is_anonymous, contact_name, contact_phone, contact_consent, access_code_hash,
                    urgency, urgency_triggers, status, unit_id, suggestion, submitted_at, dispatched_at,
                    accepted_at, replied_at, closed_at, resolve_due_at, due_soon, overdue, accept_overdue,
                        reply_text,
                    satisfaction, solved, rating_comment, rated_at, reopen_count, return_count, updated_at
                    {extra_cols_sql})
                SELECT i, 'B' || i, '基准诉求', '基准诉求内容', 'complaint', 'hotline', c.category_id,
                    g.grid_id, '',
                    false, '', '', false, '', 'normal', '[]'::jsonb,
                    st, CASE WHEN st IN ('merged', 'withdrawn') AND r4 < 0.5 THEN NULL ELSE u.unit_id END,
                    '{{}}'::jsonb, sub,
                    CASE WHEN st IN ('merged', 'withdrawn') AND r4 < 0.5 THEN NULL
                        ELSE sub + interval '10 minutes' END,
                    CASE WHEN st IN ('accepted', 'replied', 'closed')
                        THEN sub + (r2 * 8 + 0.2) * interval '1 hour' END,
                    CASE WHEN st IN ('replied', 'closed') THEN sub + (r3 * 9 + 0.5) * interval '1 day' END,
                    CASE WHEN st = 'closed' THEN sub + (r3 * 9 + 1) * interval '1 day'
                         WHEN st IN ('merged', 'withdrawn') THEN sub + interval '2 hours' END,
                    CASE WHEN st IN ('dispatched', 'accepted', 'replied', 'closed')
                        THEN sub + interval '7 days' END,
                    false, r5 > 0.92, r2 > 0.9, '',
                    CASE WHEN st <> 'closed' THEN '' WHEN r4 < 0.7 THEN 'satisfied' WHEN r4 < 0.88
                        THEN 'basic'
                         ELSE 'dissatisfied' END,
                    CASE WHEN st <> 'closed' OR r5 > 0.97 THEN NULL ELSE r3 < 0.85 END,
                    '', CASE WHEN st = 'closed' THEN sub + (r3 * 9 + 1) * interval '1 day' END,
                    0, CASE WHEN (r1 * 1000)::int % 20 = 0 THEN 1 ELSE 0 END, sub {extra_vals_sql}
                FROM (
                    SELECT i, r1, r2, r3, r4, r5, gi, ci,
                        timestamptz '{start}'
                            + ((i - 1)::float8 / {n} * {span} + r5 * 3600) * interval '1 second' AS sub,
                        CASE WHEN i <= {n} - {n} * 30 / {days} THEN
                                 -- older than the last 30 days: finished
                                 CASE WHEN r1 < 0.95 THEN 'closed' WHEN r1 < 0.975 THEN 'merged'
                                     ELSE 'withdrawn' END
                             WHEN r1 < 0.6 THEN 'closed' WHEN r1 < 0.7 THEN 'replied' WHEN r1 < 0.85
                                 THEN 'accepted'
                             WHEN r1 < 0.95 THEN 'dispatched' WHEN r1 < 0.97 THEN 'merged'
                                 ELSE 'withdrawn' END AS st
                    FROM (
                        SELECT i, random() r1, random() r2, random() r3, random() r4, random() r5,
                            1 + floor(random() * {len(org["grids"])})::int gi,
                                1 + floor(random() * {len(org["leaves"])})::int ci
                        FROM generate_series({lo}, {hi}) i
                    ) raw
                ) s
                JOIN bench_grid g ON g.idx = s.gi
                JOIN bench_cat c ON c.idx = s.ci
                JOIN bench_unit u ON u.cat_idx = s.ci AND u.street_idx = g.street_idx
                """
            )
            log(f"  appeals {lo:,}–{hi:,} in {time.perf_counter() - t0:.1f}s")
        cur.execute(f"SELECT setval(pg_get_serial_sequence('appeals_appeal', 'id'), {n})")
        t0 = time.perf_counter()
        cur.execute("CREATE INDEX bench_appeal_closed_at ON appeals_appeal (closed_at)")
        log(f"  index on closed_at in {time.perf_counter() - t0:.1f}s")
        cur.execute("SET session_replication_role = origin")


DAY = "(({col}) AT TIME ZONE 'Asia/Shanghai')::date"
COUNTER_SQL = {
    # intake: submission day, no unit
    "intake": (
        DAY.format(col="submitted_at"),
        "0",
        {"received": "count(*)"},
        "TRUE",
    ),
    # dispatch side: submission day, the unit
    "dispatch": (
        DAY.format(col="submitted_at"),
        "unit_id",
        {
            "assigned": "count(*) + sum(return_count)",
            "returned": "sum(return_count)",
            "accepted": "count(accepted_at)",
            "accepted_on_time": "count(accepted_at) FILTER (WHERE NOT accept_overdue)",
            "accept_seconds": "coalesce(sum(extract(epoch FROM accepted_at - dispatched_at))::bigint, 0)",
        },
        "unit_id IS NOT NULL",
    ),
    # closing side: closing day, the unit (0 for merged/withdrawn before dispatch)
    "closing": (
        DAY.format(col="closed_at"),
        "coalesce(unit_id, 0)",
        {
            "replied": "count(*) FILTER (WHERE status = 'closed')",
            "replied_on_time": "count(*) FILTER (WHERE status = 'closed' AND NOT overdue)",
            "overdue": "count(*) FILTER (WHERE status = 'closed' AND overdue)",
            "rated": "count(*) FILTER (WHERE status = 'closed')",
            "satisfied": "count(*) FILTER (WHERE satisfaction = 'satisfied')",
            "basic": "count(*) FILTER (WHERE satisfaction = 'basic')",
            "dissatisfied": "count(*) FILTER (WHERE satisfaction = 'dissatisfied')",
            "solved_known": "count(solved)",
            "solved": "count(*) FILTER (WHERE solved)",
            "closed": "count(*) FILTER (WHERE status = 'closed')",
            "close_seconds": "coalesce(sum(extract(epoch FROM closed_at - submitted_at)) FILTER (WHERE "
            "status = 'closed'), 0)::bigint",
            "merged": "count(*) FILTER (WHERE status = 'merged')",
            "withdrawn": "count(*) FILTER (WHERE status = 'withdrawn')",
        },
        "closed_at IS NOT NULL",
    ),
}


def _insert_counters(
    cur, table: str, keys: dict[str, str], extras: dict[str, str], *, kind: tuple, lo: int, hi: int
) -> None:
    from lianxin.supervision.models import COUNTERS

    day_sql, unit_sql, counters, where = kind
    cols = list(counters)
    zero_cols = [c for c in COUNTERS if c not in counters]
    key_sql = {k: v.format(day=day_sql, unit=unit_sql) for k, v in keys.items()}
    group = list(key_sql.values()) + list(extras.values())
    cur.execute(
        f"""
        INSERT INTO {table} ({", ".join([*key_sql, *extras, *cols, *zero_cols])})
        SELECT {", ".join(group)}, {", ".join(counters[c] for c in cols)}{"".join(", 0" for _ in zero_cols)}
        FROM appeals_appeal a
        JOIN bench_area_street m ON m.area_id = a.area_id
        JOIN bench_cat_top t ON t.category_id = a.category_id
        WHERE a.id BETWEEN {lo} AND {hi} AND {where}
        GROUP BY {", ".join(str(i + 1) for i in range(len(group)))}
        """
    )


def seed_rollups(conn, n: int) -> None:
    from lianxin.supervision.models import COUNTERS
    from lianxin.supervision.rollups import dimension_maps

    streets, tops = dimension_maps()
    with conn.cursor() as cur:
        cur.execute("SET work_mem = '256MB'")
        cur.execute("CREATE TEMP TABLE bench_area_street (area_id bigint PRIMARY KEY, street_id int)")
        cur.executemany("INSERT INTO bench_area_street VALUES (%s, %s)", list(streets.items()))
        cur.execute("CREATE TEMP TABLE bench_cat_top (category_id bigint PRIMARY KEY, top_id int)")
        cur.executemany("INSERT INTO bench_cat_top VALUES (%s, %s)", list(tops.items()))
        cur.execute("ANALYZE bench_area_street; ANALYZE bench_cat_top")
        coarse_keys = {
            "day": "{day}",
            "unit_id": "{unit}",
            "street_id": "m.street_id",
            "top_category_id": "t.top_id",
        }
        fine_keys = {
            "month": "date_trunc('month', {day})::date",
            "unit_id": "{unit}",
            "area_id": "a.area_id",
            "category_id": "a.category_id",
        }
        fine_extras = {"street_id": "m.street_id", "top_category_id": "t.top_id"}
        # the two daily tables without the unit: the unit is simply not grouped on
        area_daily_keys = {"day": "{day}", "area_id": "a.area_id", "top_category_id": "t.top_id"}
        category_daily_keys = {"day": "{day}", "street_id": "m.street_id", "category_id": "a.category_id"}
        # partial sums per chunk go to unlogged staging tables (plain appends), summed once at the end
        counters = ", ".join(COUNTERS)
        cur.execute(
            f"CREATE UNLOGGED TABLE bench_stage_daily AS SELECT day, unit_id, street_id, top_category_id, "
            f"{counters} FROM supervision_kpistreetdaily WITH NO DATA"
        )
        cur.execute(
            "CREATE UNLOGGED TABLE bench_stage_monthly AS SELECT month, unit_id, area_id, category_id, "
            "street_id, "
            f"top_category_id, {counters} FROM supervision_kpimonthly WITH NO DATA"
        )
        cur.execute(
            "CREATE UNLOGGED TABLE bench_stage_area_daily AS SELECT day, area_id, top_category_id, "
            "street_id, "
            f"{counters} FROM supervision_kpiareadaily WITH NO DATA"
        )
        cur.execute(
            f"CREATE UNLOGGED TABLE bench_stage_category_daily AS SELECT day, street_id, category_id, "
            f"top_category_id, {counters} FROM supervision_kpicategorydaily WITH NO DATA"
        )
        for lo in range(1, n + 1, CHUNK):
            hi = min(n, lo + CHUNK - 1)
            t0 = time.perf_counter()
            for kind in COUNTER_SQL.values():
                _insert_counters(cur, "bench_stage_daily", coarse_keys, {}, kind=kind, lo=lo, hi=hi)
                _insert_counters(cur, "bench_stage_monthly", fine_keys, fine_extras, kind=kind, lo=lo, hi=hi)
                _insert_counters(
                    cur,
                    "bench_stage_area_daily",
                    area_daily_keys,
                    {"street_id": "m.street_id"},
                    kind=kind,
                    lo=lo,
                    hi=hi,
                )
                _insert_counters(
                    cur,
                    "bench_stage_category_daily",
                    category_daily_keys,
                    {"top_category_id": "t.top_id"},
                    kind=kind,
                    lo=lo,
                    hi=hi,
                )
            log(f"  partial rollups for appeals {lo:,}–{hi:,} in {time.perf_counter() - t0:.1f}s")
        t0 = time.perf_counter()
        sums = ", ".join(f"sum({c})" for c in COUNTERS)
        cur.execute(
            f"INSERT INTO supervision_kpistreetdaily (day, unit_id, street_id, top_category_id, {counters}) "
            f"SELECT day, unit_id, street_id, top_category_id, {sums} "
            "FROM bench_stage_daily GROUP BY 1, 2, 3, 4"
        )
        cur.execute(
            "INSERT INTO supervision_kpimonthly "
            "(month, unit_id, area_id, category_id, street_id, top_category_id, "
            f"{counters}) SELECT month, unit_id, area_id, category_id, min(street_id), "
            f"min(top_category_id), {sums} "
            f"FROM bench_stage_monthly GROUP BY 1, 2, 3, 4"
        )
        cur.execute(
            f"INSERT INTO supervision_kpiareadaily (day, area_id, top_category_id, street_id, {counters}) "
            f"SELECT day, area_id, top_category_id, min(street_id), {sums} FROM bench_stage_area_daily "
            "GROUP BY 1, 2, 3"
        )
        cur.execute(
            "INSERT INTO supervision_kpicategorydaily (day, street_id, category_id, top_category_id, "
            f"{counters}) "
            f"SELECT day, street_id, category_id, min(top_category_id), {sums} FROM "
            "bench_stage_category_daily "
            f"GROUP BY 1, 2, 3"
        )
        cur.execute(
            "DROP TABLE bench_stage_daily, bench_stage_monthly, bench_stage_area_daily, "
            "bench_stage_category_daily"
        )
        log(f"  summed the partial rollups in {time.perf_counter() - t0:.1f}s")
        t0 = time.perf_counter()
        cur.execute(
            f"""
            INSERT INTO supervision_kpistreetmonthly (month, unit_id, street_id, top_category_id,
                {", ".join(COUNTERS)})
            SELECT date_trunc('month', day)::date, unit_id, street_id, top_category_id,
                {", ".join(f"sum({c})" for c in COUNTERS)}
            FROM supervision_kpistreetdaily GROUP BY 1, 2, 3, 4
            """
        )
        seed_street_total_daily(conn)
        for monthly, daily, keys, carried in (
            (
                "supervision_kpiareamonthly",
                "supervision_kpiareadaily",
                "area_id, top_category_id",
                "street_id",
            ),
            (
                "supervision_kpicategorymonthly",
                "supervision_kpicategorydaily",
                "street_id, category_id",
                "top_category_id",
            ),
        ):
            cur.execute(
                f"INSERT INTO {monthly} (month, {keys}, {carried}, {', '.join(COUNTERS)}) "
                f"SELECT date_trunc('month', day)::date, {keys}, min({carried}), "
                f"{', '.join(f'sum({c})' for c in COUNTERS)} FROM {daily} GROUP BY 1, 2, 3"
            )
        # the event folding appends rows period after period, so a period's rows sit together on
        # disk; the bulk generation above interleaves them, CLUSTER restores that layout
        for table, key in (
            ("supervision_kpistreetdaily", "kpi_street_daily_key"),
            ("supervision_kpistreetmonthly", "kpi_street_monthly_key"),
            ("supervision_kpimonthly", "kpi_monthly_key"),
            ("supervision_kpiareadaily", "kpi_area_daily_key"),
            ("supervision_kpicategorydaily", "kpi_category_daily_key"),
            ("supervision_kpiareamonthly", "kpi_area_monthly_key"),
            ("supervision_kpicategorymonthly", "kpi_category_monthly_key"),
        ):
            cur.execute(f"CLUSTER {table} USING {key}")
            cur.execute(f"VACUUM ANALYZE {table}")
        cur.execute("VACUUM ANALYZE appeals_appeal")
        log(f"  street-monthly rollups, CLUSTER and ANALYZE in {time.perf_counter() - t0:.1f}s")


def seed_street_total_daily(raw) -> None:
    """(Re)fill `supervision_kpistreettotaldaily` (day × street) from `supervision_kpistreetdaily`
    summed over units and top categories, then CLUSTER and ANALYZE it. `raw` is a psycopg
    connection in autocommit mode; callable on an existing bench database."""
    from lianxin.supervision.models import COUNTERS

    t0 = time.perf_counter()
    counters = ", ".join(COUNTERS)
    sums = ", ".join(f"sum({c})" for c in COUNTERS)
    with raw.cursor() as cur:
        cur.execute("TRUNCATE supervision_kpistreettotaldaily")
        cur.execute(
            f"INSERT INTO supervision_kpistreettotaldaily (day, street_id, {counters}) "
            f"SELECT day, street_id, {sums} FROM supervision_kpistreetdaily GROUP BY 1, 2"
        )
        cur.execute("CLUSTER supervision_kpistreettotaldaily USING kpi_street_total_daily_key")
        cur.execute("VACUUM ANALYZE supervision_kpistreettotaldaily")
    log(f"  day × street totals, CLUSTER and ANALYZE in {time.perf_counter() - t0:.1f}s")


def seed_events(conn, n: int, how_many: int) -> tuple[int, int]:
    lo = max(1, n - how_many + 1)
    with conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        parts = [
            ("submitted", "submitted_at", "NULL", "'{}'", "TRUE"),
            ("dispatched", "dispatched_at", "unit_id", "'{}'", "dispatched_at IS NOT NULL"),
            (
                "accepted",
                "accepted_at",
                "unit_id",
                "jsonb_build_object('late', accept_overdue)",
                "accepted_at IS NOT NULL",
            ),
            (
                "replied",
                "replied_at",
                "unit_id",
                "jsonb_build_object('late', overdue)",
                "replied_at IS NOT NULL",
            ),
            (
                "rated",
                "closed_at",
                "unit_id",
                "jsonb_build_object('satisfaction', satisfaction, 'solved', solved)",
                "status = 'closed'",
            ),
        ]
        selects = " UNION ALL ".join(
            f"SELECT id AS appeal_id, '{t}' AS type, {col} AS at, {unit} AS unit_id, {data}::jsonb AS data "
            f"FROM appeals_appeal WHERE id >= {lo} AND {where}"
            for t, col, unit, data, where in parts
        )
        cur.execute(
            f"""
            INSERT INTO appeals_appealevent (appeal_id, type, at, unit_id, actor_label, from_status,
                to_status, note, data, public)
            SELECT appeal_id, type, at, unit_id, '', '', '', '', data, true
                FROM ({selects}) e ORDER BY appeal_id, at
            """
        )
        cur.execute("SELECT min(id), max(id) FROM appeals_appealevent")
        first, last = cur.fetchone()
        cur.execute("SET session_replication_role = origin")
        cur.execute("ANALYZE appeals_appealevent")
    return first, last


# --- measuring -----------------------------------------------------------------------------------------


def timed(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    samples = []
    fn()  # warm-up
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return {"p50": round(statistics.median(samples), 1), "p95": round(p95, 1), "max": round(samples[-1], 1)}


BASELINE = {
    "district": "",
    "per_unit": "unit_id",
    "per_street": "split_part(ar.path, '/', 2)",
    "daily": "(coalesce(closed_at, submitted_at) AT TIME ZONE 'Asia/Shanghai')::date",
}


def baseline_sql(group: str) -> str:
    """The same figures straight from the appeals table (no rollups)."""
    in_sub = "a.submitted_at >= %(s)s AND a.submitted_at < %(e)s"
    in_close = "a.closed_at >= %(s)s AND a.closed_at < %(e)s"
    select_group = f"{group} AS k, " if group else ""
    return f"""
        SELECT {select_group}
            count(*) FILTER (WHERE {in_sub}) AS received,
            count(a.accepted_at) FILTER (WHERE {in_sub}) AS accepted,
            count(a.accepted_at) FILTER (WHERE {in_sub} AND NOT a.accept_overdue) AS accepted_on_time,
            count(*) FILTER (WHERE {in_close} AND a.status = 'closed') AS rated,
            count(*) FILTER (WHERE {in_close} AND a.satisfaction IN ('satisfied', 'basic'))
                AS satisfied_or_basic,
            count(*) FILTER (WHERE {in_close} AND a.solved) AS solved,
            count(a.solved) FILTER (WHERE {in_close}) AS solved_known,
            count(*) FILTER (WHERE {in_close} AND a.status = 'closed' AND a.overdue) AS overdue
        FROM appeals_appeal a {"JOIN org_area ar ON ar.id = a.area_id" if "ar." in group else ""}
        WHERE ({in_sub}) OR ({in_close})
        {"GROUP BY 1" if group else ""}
    """


def measure(args: argparse.Namespace, org: dict[str, Any], events: tuple[int, int] | None) -> dict[str, Any]:
    import datetime as dt

    from django.db import connection, transaction
    from django.test import Client

    from lianxin.appeals.models import AppealEvent
    from lianxin.org import directory
    from lianxin.org.models import Area, Category, User
    from lianxin.supervision import rollups, selectors
    from lianxin.supervision.models import KpiStreetMonthly, Watermark
    from lianxin.supervision.policy import jurisdiction_of
    from lianxin.supervision.selectors import Period, Slice
    from lianxin.worktime.calendar import TZ

    months = sorted(set(KpiStreetMonthly.objects.values_list("month", flat=True)))[
        1:-1
    ]  # whole months with a predecessor
    rng = random.Random(1)

    def pick() -> Period:
        m = rng.choice(months)
        return Period.month(m.year, m.month)

    street = Area.objects.get(code="S3")
    street_slice = Slice().narrow(area=street)
    community = Area.objects.get(code="S3C1")
    community_slice = Slice().narrow(area=community)
    subcategory = Category.objects.get(code="T4L2")
    subcategory_slice = Slice().narrow(category=subcategory)

    def pick_days(length: int = 10) -> Period:
        start = pick().start + dt.timedelta(days=rng.randrange(28))
        return Period(start, start + dt.timedelta(days=length))

    j = jurisdiction_of(User.objects.get(username="bench_admin"))

    def dashboard_bundle() -> None:
        p = pick()
        s = Slice()
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

    client = Client()
    client.force_login(User.objects.get(username="bench_admin"))

    from django.core.cache import cache

    def page() -> None:
        """A month whose figures changed since anyone last looked at it (what the fold does when it
        folds an event of that month): its rendered figures are stale, everything is read again."""
        p = pick()
        rollups.touch_months([p.start])
        response = client.get("/supervision/", {"period": p.label})
        assert response.status_code == 200, response.status_code

    def page_empty_cache() -> None:
        """The same on a process that just started with an empty cache (the organisation
        snapshot is loaded too)."""
        cache.clear()
        directory.changed()
        p = pick()
        response = client.get("/supervision/", {"period": p.label})
        assert response.status_code == 200, response.status_code

    warm_months = [Period.month(m.year, m.month) for m in months[-3:]]

    def page_warm() -> None:
        """The last three months, looked at again (the rendered figures are reused)."""
        response = client.get("/supervision/", {"period": rng.choice(warm_months).label})
        assert response.status_code == 200, response.status_code

    def text_hotspots_fragment() -> None:
        response = client.get("/supervision/text-hotspots/", HTTP_HX_REQUEST="true")
        assert response.status_code == 200, response.status_code

    results: dict[str, Any] = {"rollup": {}, "baseline": {}, "maintenance": {}}
    r = args.repeat
    results["rollup"]["kpis(month) district"] = timed(lambda: selectors.kpis(pick()), r)
    results["rollup"]["kpis(month) one street"] = timed(lambda: selectors.kpis(pick(), street_slice), r)
    results["rollup"]["kpis(month) one community (fine table)"] = timed(
        lambda: selectors.kpis(pick(), community_slice), r
    )
    results["rollup"]["breakdown by unit with previous month"] = timed(
        lambda: selectors.breakdown(pick(), by="unit", with_previous=True), r
    )
    results["rollup"]["rankings units (month + previous)"] = timed(
        lambda: selectors.rankings(pick(), by="unit"), r
    )
    results["rollup"]["rankings streets (month + previous)"] = timed(
        lambda: selectors.rankings(pick(), by="street"), r
    )
    results["rollup"]["daily series of a month"] = timed(lambda: selectors.daily_series(pick()), r)
    results["rollup"]["day range (10 days) for one community (area daily table)"] = timed(
        lambda: selectors.kpis(pick_days(), community_slice), r
    )
    results["rollup"]["day range (10 days) for one subcategory (category daily table)"] = timed(
        lambda: selectors.kpis(pick_days(), subcategory_slice), r
    )
    results["rollup"]["grid map (384 grids)"] = timed(lambda: selectors.grid_map(pick()), r)
    results["rollup"]["recurring problems (每月一题)"] = timed(
        lambda: selectors.recurring_problems(pick()), r
    )
    results["rollup"]["quarter kpis district"] = timed(
        lambda: selectors.kpis(
            Period.quarter(rng.choice(months).year, 1 + (rng.choice(months).month - 1) // 3)
        ),
        r,
    )
    results["rollup"]["ALL dashboard selectors (one page's reads)"] = timed(dashboard_bundle, r)
    results["rollup"]["GET /supervision/ rendered page, figures changed (admin)"] = timed(page, r)
    results["rollup"]["GET /supervision/ rendered page, empty cache (admin)"] = timed(page_empty_cache, r)
    for m in warm_months:
        client.get("/supervision/", {"period": m.label})
    results["rollup"]["GET /supervision/ rendered page, figures cached (admin)"] = timed(page_warm, r)
    cache.clear()
    t0 = time.perf_counter()
    text_hotspots_fragment()
    results["rollup"]["text-hotspot panel (loaded after the page), first time"] = {
        "p50_ms": round((time.perf_counter() - t0) * 1000, 1)
    }
    results["rollup"]["text-hotspot panel, cached"] = timed(text_hotspots_fragment, r)

    def run_baseline(kind: str) -> Callable[[], Any]:
        sql = baseline_sql(BASELINE[kind])

        def fn() -> Any:
            p = pick()
            s, e = p.bounds()
            with connection.cursor() as cur:
                cur.execute(sql, {"s": s, "e": e})
                return cur.fetchall()

        return fn

    base_repeat = max(3, r // 4)
    for kind in BASELINE:
        results["baseline"][f"GROUP BY over appeals: {kind}"] = timed(run_baseline(kind), base_repeat)

    # agreement check on one month
    p = pick()
    s, e = p.bounds()
    with connection.cursor() as cur:
        cur.execute(baseline_sql(""), {"s": s, "e": e})
        b = cur.fetchone()
    k = selectors.kpis(p)
    from_rollups = (
        k.received,
        k.accepted,
        k.accepted_on_time,
        k.rated,
        k.satisfied + k.basic,
        k.solved,
        k.solved_known,
        k.overdue,
    )
    results["agreement"] = {
        "period": p.label,
        "rollups": list(from_rollups),
        "group_by": list(b),
        "equal": list(from_rollups) == list(b),
    }
    # and on a 10-day range for the community and the subcategory (the unit-less daily tables)
    days = pick_days()
    s, e = days.bounds()
    for name, slc, join, where, value in (
        (
            "community",
            community_slice,
            "JOIN org_area ar ON ar.id = a.area_id",
            "ar.path LIKE %(v)s",
            community.path + "/%",
        ),
        ("subcategory", subcategory_slice, "", "a.category_id = %(v)s", subcategory.pk),
    ):
        with connection.cursor() as cur:
            cur.execute(
                f"""SELECT count(*) FILTER (WHERE a.submitted_at >= %(s)s AND a.submitted_at < %(e)s),
                           count(*) FILTER (WHERE a.closed_at >= %(s)s AND a.closed_at < %(e)s
                                            AND a.status = 'closed')
                    FROM appeals_appeal a {join} WHERE {where}""",
                {"s": s, "e": e, "v": value},
            )
            direct = list(cur.fetchone())
        f = selectors.kpis(days, slc)
        results["agreement"][f"{name} {days.label}"] = {
            "rollups": [f.received, f.rated],
            "group_by": direct,
            "equal": [f.received, f.rated] == direct,
        }

    if events is not None:
        first, last = events
        n_events = last - first + 1
        try:
            with transaction.atomic():
                Watermark.objects.update_or_create(name=rollups.WATERMARK, defaults={"last_id": first - 1})
                t0 = time.perf_counter()
                latest = AppealEvent.objects.order_by("-at").values_list("at", flat=True).first()
                report = rollups.process_events(now=latest, settle_seconds=0, sample=False)
                elapsed = time.perf_counter() - t0
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        results["maintenance"]["batch fold (process_events)"] = {
            "events": report.events,
            "seconds": round(elapsed, 2),
            "us_per_event": round(elapsed / max(1, report.events) * 1e6, 1),
            "events_per_second": round(report.events / elapsed),
        }
        # one synchronous upsert per event (the alternative: a hook in record_event)
        sample = 5000
        day = dt.datetime.now(TZ).date()
        try:
            with transaction.atomic():
                t0 = time.perf_counter()
                for i in range(sample):
                    acc = rollups._Acc()
                    acc.add(
                        rollups.Contribution(
                            day,
                            org["units"][i % 7],
                            org["grids"][i % 11][0],
                            org["leaves"][i % 5],
                            {"accepted": 1, "accepted_on_time": 1},
                        )
                    )
                    rollups._write(acc)
                elapsed = time.perf_counter() - t0
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        results["maintenance"]["per-event synchronous upsert (hook alternative)"] = {
            "events": sample,
            "us_per_event": round(elapsed / sample * 1e6, 1),
        }
        results["maintenance"]["raw events in table"] = n_events
    return results


def environment(admin_url: str) -> dict[str, str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with admin_connect(admin_url) as conn:
        version = conn.execute("SELECT version()").fetchone()[0]
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("shared_buffers", "work_mem", "max_parallel_workers_per_gather")
        }
    return {
        "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "cpu": cpu,
        "postgresql": version,
        "python": platform.python_version(),
        **settings,
    }


def table_sizes() -> dict[str, Any]:
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        for table in (
            "appeals_appeal",
            "appeals_appealevent",
            "supervision_kpistreetdaily",
            "supervision_kpistreetmonthly",
            "supervision_kpimonthly",
            "supervision_kpiareadaily",
            "supervision_kpicategorydaily",
            "supervision_kpiareamonthly",
            "supervision_kpicategorymonthly",
            "supervision_kpistreettotaldaily",
        ):
            cur.execute(f"SELECT count(*), pg_size_pretty(pg_total_relation_size('{table}')) FROM {table}")
            rows, size = cur.fetchone()
            out[table] = {"rows": rows, "size": size}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=3 * 365)
    parser.add_argument("--start", default="2024-01-01 00:00+08")
    parser.add_argument("--event-appeals", type=int, default=50_000, help="appeals that get raw events")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--db", default="lianxin_bench")
    parser.add_argument("--reuse", action="store_true", help="measure an already seeded database")
    parser.add_argument(
        "--from-step",
        choices=["rollups"],
        help=(
            "keep the seeded organisation and appeals; migrate, then regenerate rollups and events "
            "and measure"
        ),
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    base = args.admin_url.rsplit("/", 1)[0]
    db_url = f"{base}/{args.db}"
    timings: dict[str, float] = {}
    if not args.reuse and not args.from_step:
        recreate_database(args.admin_url, args.db)
    setup_django(db_url)
    from django.core.management import call_command
    from django.db import connection

    from lianxin.appeals.models import Appeal, AppealEvent
    from lianxin.org.models import Area, Category, Unit

    if args.from_step:
        call_command("migrate", verbosity=0)
        connection.ensure_connection()
        raw = connection.connection
        raw.autocommit = True
        args.appeals = Appeal.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with raw.cursor() as cur:
            cur.execute(
                "SELECT tablename FROM pg_tables WHERE tablename LIKE 'supervision_kpi%%' "
                "OR tablename IN ('appeals_appealevent', 'supervision_watermark')"
            )
            for (table,) in cur.fetchall():
                cur.execute(f'TRUNCATE "{table}" CASCADE')
        log(f"regenerating rollups for the {args.appeals:,} seeded appeals")
    if not args.reuse and not args.from_step:
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        org = seed_org()
        timings["schema + organisation"] = time.perf_counter() - t0
        connection.ensure_connection()
        raw = connection.connection
        raw.autocommit = True
        log(f"seeding {args.appeals:,} appeals")
        t0 = time.perf_counter()
        seed_appeals(raw, org, args.appeals, args.days, args.start)
        timings["appeals"] = time.perf_counter() - t0
    if not args.reuse:
        log("rollups")
        t0 = time.perf_counter()
        seed_rollups(raw, args.appeals)
        timings["rollups"] = time.perf_counter() - t0
        log("raw events")
        t0 = time.perf_counter()
        events: tuple[int, int] | None = seed_events(raw, args.appeals, args.event_appeals)
        timings["events"] = time.perf_counter() - t0
    if args.reuse or args.from_step:
        args.appeals = Appeal.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        grids = Area.objects.filter(level="grid").order_by("pk")
        org = {
            "grids": [(g.pk, 0) for g in grids],
            "leaves": list(Category.objects.filter(level=2).values_list("pk", flat=True)),
            "units": list(Unit.objects.values_list("pk", flat=True)),
        }
        if args.reuse:
            bounds = AppealEvent.objects.order_by("id").values_list("id", flat=True)
            events = (bounds.first() or 0, bounds.last() or 0) if bounds.exists() else None
    log("measuring")
    results = measure(args, org, events)
    results["seed_seconds"] = {k: round(v, 1) for k, v in timings.items()}
    results["seed_seconds_total"] = round(sum(timings.values()), 1)
    results["tables"] = table_sizes()
    results["environment"] = environment(args.admin_url)
    results["appeals"] = args.appeals
    print(json.dumps(results, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
