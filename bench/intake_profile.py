"""Where one intake's time goes, and how fast the bulk intake is (in-process, no HTTP server).

    PYTHONPATH=. .venv/bin/python bench/intake_profile.py [--n 50] [--batch 500] [--profile]
        [--database postgres://postgres@127.0.0.1:5432/lianxin_bench_profile] [--model FILE]

Builds a scratch test database (the test suite's district: 2 streets, 2 grids, dispatch rules;
created and dropped like the test runner does), then through Django's test client as the hotline
operator with an API token:
1. `POST /api/v1/appeals` `--n` times: SQL statements per intake (grouped by kind and table) and
   wall time per intake, p50 / p90; with `--profile`, the top functions by cumulative time.
2. `POST /api/v1/appeals:batch` with `--batch` items: appeals/s and SQL statements per item.
Every intake auto-dispatches (category and grid given), as in bench/intake.sh. `--model` names a
triage model (e.g. one from `lianxin triage train`) so that the classifier runs; without it the
classifier part is absent.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import json
import os
import pstats
import re
import statistics
import sys
import time

from bench.intake_common import BODY_TEXT, intake_item, scratch_intake


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--database", default=os.environ.get("LIANXIN_DATABASE_URL", ""))
    parser.add_argument("--model", default="")
    parser.add_argument("--phases", action="store_true", help="wall time of each step of the batch path")
    args = parser.parse_args()
    with scratch_intake(database=args.database, model=args.model) as (_district, client):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from lianxin.appeals import triage_bridge

        connection.queries_log = collections.deque(maxlen=100_000)  # a batch of 500 is ~20,000 statements

        def body(i: int) -> dict:
            return intake_item(BODY_TEXT, i)

        def post(path: str, data: dict) -> dict:
            response = client.post(path, json.dumps(data), content_type="application/json")
            assert response.status_code in (200, 201), response.content[:300]
            return response.json()

        for i in range(3):  # warm every cache once
            post("/api/v1/appeals", body(i))
        counts: collections.Counter[str] = collections.Counter()
        per_request, times = [], []
        profiler = cProfile.Profile() if args.profile else None
        for i in range(args.n):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                if profiler:
                    profiler.enable()
                post("/api/v1/appeals", body(1000 + i))
                if profiler:
                    profiler.disable()
                times.append((time.perf_counter() - started) * 1000)
            per_request.append(len(queries))
            for q in queries.captured_queries:
                counts[_kind(q["sql"])] += 1
        times.sort()
        print(f"database: {connection.vendor}; model: {'yes' if triage_bridge.load_model() else 'none'}")
        print(
            f"single intake, {args.n} requests: SQL statements per request {statistics.mean(per_request):.1f}"
            f" (min {min(per_request)}, max {max(per_request)}); wall p50 {times[len(times) // 2]:.1f} ms,"
            f" p90 {times[int(len(times) * 0.9)]:.1f} ms"
        )
        for kind, n in counts.most_common():
            print(f"  {n / args.n:5.1f}  {kind}")
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
            print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:9000])
        if args.batch:
            items = [body(100000 + i) for i in range(args.batch)]
            connection.queries_log.clear()
            phases = _time_phases() if args.phases else None
            batch_profiler = cProfile.Profile() if args.profile else None
            with CaptureQueriesContext(connection) as queries:
                started, cpu_started = time.perf_counter(), time.process_time()
                if batch_profiler:
                    batch_profiler.enable()
                result = post("/api/v1/appeals:batch", {"items": items})
                if batch_profiler:
                    batch_profiler.disable()
                elapsed = time.perf_counter() - started
                cpu = time.process_time() - cpu_started
            if batch_profiler:
                out = io.StringIO()
                pstats.Stats(batch_profiler, stream=out).sort_stats(
                    os.environ.get("BENCH_SORT", "tottime")
                ).print_stats(40)
                print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:7000])
            if phases is not None:
                for name, spent in sorted(phases.items(), key=lambda kv: -kv[1]):
                    print(f"  {spent * 1000:8.1f} ms  {name}")
            assert result["created"] == args.batch, result["failed"]
            print(
                f"batch of {args.batch}: {elapsed:.2f} s = {args.batch / elapsed:.0f} appeals/s;"
                f" {len(queries) / args.batch:.1f} SQL statements per item; this process's CPU {cpu:.2f} s"
                f" ({args.batch / cpu:.0f} appeals per CPU-second); load average {os.getloadavg()[0]:.1f}"
            )
        from lianxin.audit.services import audit_verify

        print(f"audit verify: {audit_verify()}")
    return 0


def _time_phases() -> dict[str, float]:
    """Wrap the batch path's steps with timers (the sum of each step's wall time, in seconds)."""
    from django.db.models.query import QuerySet

    from lianxin.appeals import batch, hooks, triage_bridge
    from lianxin.appeals import duplicates as appeal_duplicates

    spent: collections.defaultdict[str, float] = collections.defaultdict(float)

    def timed(owner: object, name: str, label: str = "") -> None:
        fn = getattr(owner, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                key = label or name
                if name == "bulk_create":
                    key = f"bulk_create {args[0].model.__name__}"  # type: ignore[attr-defined]
                spent[key] += time.perf_counter() - started
                spent[f"{key} (CPU)"] += time.process_time() - cpu

        setattr(owner, name, wrapper)

    for name in (
        "_checked",
        "_create_all",
        "audit_append_many",
        "reserve_tracking_numbers",
        "build_appeal",
        "_after_commit",
        "sms_on_submitted_many",
        "notify_many",
    ):
        timed(batch, name)
    timed(hooks, "events_recorded")
    timed(triage_bridge, "suggest_many")
    timed(appeal_duplicates.RecentAppealsIndex, "check_many")
    timed(QuerySet, "bulk_create")
    return spent


def _kind(sql: str) -> str:
    sql = sql.strip()
    verb = sql.split(None, 1)[0].upper()
    match = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql, re.I)
    if "pg_advisory" in sql:
        return "SELECT pg_advisory_xact_lock"
    return f"{verb} {match.group(1) if match else ''}".strip()


if __name__ == "__main__":
    sys.exit(main())
