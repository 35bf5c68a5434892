"""The bulk intake's speed: `POST /api/v1/appeals:batch` against the same items taken in one by one.

    PYTHONPATH=. .venv/bin/python bench/intake_batch.py [--size 500] [--batches 3]
        [--database postgres://postgres@127.0.0.1:5432/lianxin_bench_batch] [--model FILE]
        [--texts ../shared/data/wenzheng/train_raw.csv] [--same-body]

Builds a scratch test database (the test suite's district, created and dropped like the test runner
does), then, alternating so that the machine's load hits both alike:
- `batch`: `--batches` calls of `POST /api/v1/appeals:batch` with `--size` items each (Django's test
  client, the hotline operator's API token: parsing, authorisation, the batch path, the answer);
- `one by one`: the same number of items through `appeal_submit`, one transaction each (what the
  batch endpoint did before the batch path).
Items are real residents' messages (`--texts`, the `text` column), or with `--same-body` the one
300-character body of bench/intake.sh with a number appended (every item a near-copy of the others:
the duplicate check's worst case). Every item has category and grid, so it is auto-dispatched.
Prints appeals/s (wall), this process's CPU seconds, and the load average, which on the shared
machine says how much of the wall time was waiting for a core.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from pathlib import Path

from bench.intake_common import BODY_TEXT, intake_item, scratch_intake


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--database", default=os.environ.get("LIANXIN_DATABASE_URL", ""))
    parser.add_argument("--model", default="")
    parser.add_argument("--texts", default="../shared/data/wenzheng/train_raw.csv")
    parser.add_argument("--same-body", action="store_true")
    parser.add_argument("--skip-single", action="store_true", help="only the batch endpoint")
    args = parser.parse_args()
    with scratch_intake(database=args.database, model=args.model) as (district, client):
        from django.db import connection

        from lianxin.appeals import triage_bridge
        from lianxin.appeals.actors import Actor
        from lianxin.appeals.intake import AppealInput, appeal_submit
        from lianxin.audit.services import audit_verify

        texts = _texts(args)
        counter = iter(range(10**9))

        def body() -> dict:
            i = next(counter)
            return intake_item(texts[i % len(texts)], i)

        def run_batch() -> tuple[float, float]:
            items = [body() for _ in range(args.size)]
            started, cpu = time.perf_counter(), time.process_time()
            response = client.post(
                "/api/v1/appeals:batch", json.dumps({"items": items}), content_type="application/json"
            )
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            assert response.status_code == 200, response.content[:300]
            assert response.json()["created"] == args.size, response.content[:300]
            return elapsed, cpu

        def run_single() -> tuple[float, float]:
            actor = Actor.staff(district.operator)
            inputs = [body() for _ in range(args.size)]
            started, cpu = time.perf_counter(), time.process_time()
            for b in inputs:
                appeal_submit(
                    data=AppealInput(
                        text=b["text"],
                        kind=b["kind"],
                        channel=b["channel"],
                        category_code=b["category"],
                        area_code=b["area"],
                        contact_name=b["contact_name"],
                        contact_phone=b["contact_phone"],
                        contact_consent=True,
                    ),
                    actor=actor,
                )
            return time.perf_counter() - started, time.process_time() - cpu

        run_batch()  # warm every cache once
        results: dict[str, list[tuple[float, float, float]]] = {"batch": [], "one by one": []}
        for _round in range(args.batches):
            for name, fn in (("batch", run_batch), ("one by one", run_single)):
                if name == "one by one" and args.skip_single:
                    continue
                elapsed, cpu = fn()
                results[name].append((elapsed, cpu, os.getloadavg()[0]))
        print(
            f"database: {connection.vendor}; model: {'yes' if triage_bridge.load_model() else 'none'}; "
            f"texts: {'one body' if args.same_body else f'{len(texts)} messages'}; {args.size} items per "
            "round"
        )
        for name, rows in results.items():
            if not rows:
                continue
            rates = [args.size / r[0] for r in rows]
            cpu_rates = [args.size / r[1] for r in rows]
            print(
                f"{name:>10}: {statistics.median(rates):7.0f} appeals/s wall (rounds: "
                f"{', '.join(f'{r:.0f}' for r in rates)}); {statistics.median(cpu_rates):7.0f} per "
                "CPU-second "
                f"of this process; load average {', '.join(f'{r[2]:.1f}' for r in rows)}"
            )
        print(f"audit verify: {audit_verify()}")
    return 0


def _texts(args: argparse.Namespace) -> list[str]:
    if args.same_body:
        return [BODY_TEXT]
    path = Path(args.texts)
    with path.open(encoding="utf-8") as handle:
        rows = [row["text"].strip()[:1500] for row in csv.DictReader(handle) if row.get("text", "").strip()]
    if not rows:
        raise SystemExit(f"{path}: no texts in a `text` column")
    return rows


if __name__ == "__main__":
    sys.exit(main())
