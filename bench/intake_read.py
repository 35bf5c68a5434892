"""Read paths at a large table: tracking-number lookups and a unit's work queues, over HTTP.

Sequential requests (one at a time, a new connection each, like the peer's read benchmark) to a
running server on 127.0.0.1. Staff calls use API keys: the demo key (operator + dispatcher) and a
benchmark key created here for the handler of the busiest unit (written straight into the bench
database). The public lookup (tracking number + last four phone digits) is rate-limited per IP
(60 an hour), so it is sampled fewer times.

usage: intake_read.py --dsn postgresql://postgres@127.0.0.1:5432/lianxin_bench \
                      --base http://127.0.0.1:8765 [--n 100]
Prints one JSON object per measured request kind.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import random
import statistics
import time
import urllib.parse

import psycopg

DEMO_KEY = "lx_demo_NOT_A_SECRET_seeded_demo_key_0001"
HANDLER_KEY = "lx_bench_handler_key_for_the_benchmark_only"
MAX_N = 1000


def request(base: str, path: str, key: str | None) -> tuple[int, float, int]:
    parsed = urllib.parse.urlparse(base)
    assert parsed.hostname, "the URL needs a host"
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    t0 = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - t0
    conn.close()
    return response.status, elapsed, len(body)


def summarise(name: str, timings: list[float], statuses: list[int], note: str = "") -> dict:
    ordered = sorted(timings)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000, 1)

    return {
        "request": name,
        "n": len(ordered),
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": round(ordered[-1] * 1000, 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
        "statuses": sorted(set(statuses)),
        "note": note,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--base", default="http://127.0.0.1:8765")
    parser.add_argument("--n", type=int, default=100)
    args = parser.parse_args()
    if not 1 <= args.n <= MAX_N:
        parser.error(f"--n must be 1..{MAX_N}")
    host = urllib.parse.urlparse(args.base).hostname
    if host not in ("127.0.0.1", "localhost"):
        parser.error("the benchmark only targets 127.0.0.1")
    rng = random.Random(42)
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        total = conn.execute("SELECT count(*) FROM appeals_appeal").fetchone()[0]  # type: ignore[index]
        samples = conn.execute(
            "SELECT tracking_number, contact_phone FROM appeals_appeal TABLESAMPLE SYSTEM (1) "
            "WHERE contact_phone <> '' LIMIT 2000"
        ).fetchall()
        unit_id, unit_code, in_unit = conn.execute(
            "SELECT u.id, u.code, count(*) FROM appeals_appeal a JOIN org_unit u ON u.id = a.unit_id "
            "GROUP BY u.id, u.code ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()  # type: ignore[misc]
        handler = conn.execute(
            "SELECT user_id FROM org_roleassignment WHERE role = 'handler' AND unit_id = %s LIMIT 1",
            (unit_id,),
        ).fetchone()[0]  # type: ignore[index]
        digest = hashlib.sha256(HANDLER_KEY.encode()).hexdigest()
        conn.execute("DELETE FROM org_apitoken WHERE key_hash = %s", (digest,))
        conn.execute(
            "INSERT INTO org_apitoken (name, key_hash, prefix, user_id, created_at, revoked) "
            "VALUES ('benchmark handler', %s, %s, %s, now(), false)",
            (digest, HANDLER_KEY[:8], handler),
        )
        queues: dict[str, int] = dict(
            conn.execute(
                "SELECT status, count(*) FROM appeals_appeal WHERE unit_id = %s GROUP BY status", (unit_id,)
            ).fetchall()
        )
    rng.shuffle(samples)
    results = [{"table_rows": total, "unit": unit_code, "unit_rows": in_unit, "unit_by_status": queues}]

    def run(name: str, paths: list[str], key: str | None, note: str = "") -> None:
        request(args.base, paths[0], key)  # warm this path once (not measured)
        timings, statuses = [], []
        for path in paths:
            status, elapsed, _size = request(args.base, path, key)
            timings.append(elapsed)
            statuses.append(status)
        results.append(summarise(name, timings, statuses, note))

    n = args.n
    picks = samples[:n]
    run(
        "staff lookup GET /api/v1/appeals/<tracking> (dispatcher key)",
        [f"/api/v1/appeals/{tn}" for tn, _ in picks],
        DEMO_KEY,
    )
    run(
        "public lookup GET /api/v1/appeals/<tracking>?proof=<last4> (no key)",
        [f"/api/v1/appeals/{tn}?proof={phone[-4:]}" for tn, phone in samples[n : n + min(n, 50)]],
        None,
        "rate-limited to 60/h per IP, so at most 50",
    )
    run(
        "timeline GET /api/v1/appeals/<tracking>/timeline (dispatcher key)",
        [f"/api/v1/appeals/{tn}/timeline" for tn, _ in picks],
        DEMO_KEY,
    )
    for queue in ("to_accept", "in_progress", "overdue"):
        run(
            f"unit queue GET /api/v1/appeals?queue={queue} (handler of {unit_code}, 20 a page)",
            [f"/api/v1/appeals?queue={queue}"] * n,
            HANDLER_KEY,
        )
    run(
        f"unit list GET /api/v1/appeals (handler of {unit_code}: all its appeals, newest first)",
        ["/api/v1/appeals"] * n,
        HANDLER_KEY,
    )
    run(
        "dispatcher queue GET /api/v1/appeals?queue=to_dispatch",
        ["/api/v1/appeals?queue=to_dispatch"] * n,
        DEMO_KEY,
    )
    run(
        "search GET /api/v1/appeals?q=<tracking> (dispatcher key)",
        [f"/api/v1/appeals?q={tn}" for tn, _ in picks[: max(1, n // 10)]],
        DEMO_KEY,
        "fewer samples",
    )
    for item in results:
        print(json.dumps(item, ensure_ascii=False))


if __name__ == "__main__":
    main()
