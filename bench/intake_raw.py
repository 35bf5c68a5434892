"""The raw PostgreSQL figure beside the HTTP intake: single-row INSERT, one commit per row.

Each worker is a process with its own psycopg 3 connection in autocommit mode, inserting one row
of the appeals table's shape per transaction into `raw_appeal`, created with
`CREATE TABLE raw_appeal (LIKE appeals_appeal INCLUDING ALL)` (same columns, defaults and indexes,
no foreign keys). Modelled on ../shared/bench/peer-helpdesk/raw_insert.py.

usage: intake_raw.py --dsn postgresql://postgres@127.0.0.1:5432/lianxin_bench --workers 16 --seconds 30
Prints one line of JSON: rows/s, INSERT latency percentiles and the row-count check.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import time
from typing import Any

import psycopg

TEXT = (
    "本人于去年三月收到贵单位作出的处理决定，对其中认定的事实和适用的依据有异议，现依法提出申诉，请求重新审查并撤销原决定。"
    * 10
)[:300]
MAX_SECONDS = 600

# Values of one hotline appeal as submitted; any other NOT NULL column gets a neutral value of its type
# (so the row keeps the table's shape when apps add columns).
KNOWN = {
    "tracking_number": "%(tracking)s",
    "title": "%(title)s",
    "text": "%(text)s",
    "kind": "'complaint'",
    "channel": "'hotline'",
    "contact_name": "'王先生'",
    "contact_phone": "%(phone)s",
    "contact_consent": "true",
    "urgency": "'normal'",
    "urgency_triggers": "'[]'",
    "status": "'submitted'",
    "suggestion": "'{}'",
    "submitted_at": "now()",
    "updated_at": "now()",
}
BY_TYPE = {"boolean": "false", "jsonb": "'{}'", "timestamp with time zone": "now()", "date": "current_date"}


def prepare(dsn: str) -> tuple[int, str]:
    """Create the table; return its row count and the INSERT statement for one appeal row."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS raw_appeal")
        conn.execute("CREATE TABLE raw_appeal (LIKE appeals_appeal INCLUDING ALL)")
        columns = conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'raw_appeal' "
            "AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO' ORDER BY "
            "ordinal_position"
        ).fetchall()
        values = []
        for name, data_type in columns:
            if name in KNOWN:
                values.append(KNOWN[name])
            elif data_type in BY_TYPE:
                values.append(BY_TYPE[data_type])
            elif data_type in ("integer", "smallint", "bigint", "numeric"):
                values.append("0")
            else:
                values.append("''")
        insert = f"INSERT INTO raw_appeal ({', '.join(n for n, _ in columns)}) VALUES ({', '.join(values)})"
        conn.execute("CHECKPOINT")
        row = conn.execute("SELECT count(*) FROM raw_appeal").fetchone()
        return (int(row[0]) if row else 0), insert


def worker(
    wid: int, dsn: str, insert: str, *, start: float, measure_from: float, end: float, queue: Any
) -> None:
    conn = psycopg.connect(dsn, autocommit=True)
    latencies: list[float] = []
    done = 0
    n = 0
    while time.time() < start:
        time.sleep(0.001)
    while True:
        now = time.time()
        if now >= end:
            break
        n += 1
        t0 = time.perf_counter()
        params = {
            "tracking": f"R{wid:02d}-{n:09d}",
            "title": f"申诉 {wid}-{n}",
            "text": TEXT,
            "phone": f"1380000{n % 10000:04d}",
        }
        conn.execute(insert, params, prepare=True)
        elapsed = time.perf_counter() - t0
        if now >= measure_from:
            latencies.append(elapsed)
            done += 1
    conn.close()
    queue.put((done, n, latencies))


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    args = parser.parse_args()
    if not 1 <= args.workers <= 64 or not 0 < args.seconds + args.warmup <= MAX_SECONDS:
        parser.error(f"--workers must be 1..64 and --seconds + --warmup at most {MAX_SECONDS}")
    if "127.0.0.1" not in args.dsn and "localhost" not in args.dsn:
        parser.error("the benchmark only targets a local PostgreSQL (127.0.0.1)")
    before, insert = prepare(args.dsn)
    queue: Any = mp.Queue()
    start = time.time() + 1.0
    measure_from, end = start + args.warmup, start + args.warmup + args.seconds
    procs = [
        mp.Process(
            target=worker,
            args=(w, args.dsn, insert),
            kwargs={"start": start, "measure_from": measure_from, "end": end, "queue": queue},
        )
        for w in range(args.workers)
    ]
    for proc in procs:
        proc.start()
    results = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    measured = sum(r[0] for r in results)
    attempted = sum(r[1] for r in results)
    latencies = [x for r in results for x in r[2]]
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM raw_appeal").fetchone()
        after = int(row[0]) if row else 0
        conn.execute("DROP TABLE raw_appeal")
    print(
        json.dumps(
            {
                "workers": args.workers,
                "seconds": args.seconds,
                "rows_per_s": round(measured / args.seconds, 1),
                "p50_ms": round(percentile(latencies, 50) * 1000, 2),
                "p99_ms": round(percentile(latencies, 99) * 1000, 2),
                "rows_written": after - before,
                "inserts_reported": attempted,
                "count_check": "ok" if after - before == attempted else "MISMATCH",
            }
        )
    )


if __name__ == "__main__":
    main()
