#!/usr/bin/env python
"""The duplicate index at a large table: a worker's memory, its first intake, lookup latency.

    export LIANXIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<seeded database>
    export LIANXIN_DUPLICATE_WINDOW_DAYS=400   # so that every seeded appeal is in the window
    PYTHONPATH=. .venv/bin/python bench/dupindex.py [--lookups 300] [--mode both|embedded|shared]

Each mode runs in fresh processes, as a fresh web worker would:
- `embedded`: the worker keeps its own index (`RecentAppealsIndex`): the first lookup loads it;
- `shared`: `lianxin duplicate_index serve` is started on a socket of its own and timed until it
  answers; then a fresh worker asks it.
For each: the worker's resident memory after Django setup and after the lookups, the time of its
first lookup and of its first intake (`appeal_submit` of a hotline-style appeal, which writes one
appeal to the database it runs on), and p50/p99 of `lookups` lookups of near-copies of appeals
taken from the table (title + text of a random appeal with a few characters changed). Prints one
JSON object per mode. Nothing here is a test: figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker(lookups: int) -> dict:
    """One fresh worker process's figures (run in a subprocess)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings.base")
    django.setup()
    from django.core.wsgi import get_wsgi_application

    get_wsgi_application()  # what a web worker loads: the URL conf, the apps, the API
    from django.urls import resolve

    resolve("/api/v1/appeals")
    from lianxin.appeals.actors import Actor
    from lianxin.appeals.duplicate_index import recent_index
    from lianxin.appeals.intake import AppealInput, appeal_submit
    from lianxin.appeals.models import Appeal

    started_rss = rss_mb()
    rng = random.Random(7)
    top = Appeal.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sample: list[Any] = []
    while len(sample) < lookups:
        pks = [rng.randrange(1, top + 1) for _ in range(lookups)]
        sample += list(
            Appeal.objects.filter(pk__in=pks).values_list("title", "text", "area__path", "contact_phone")
        )
    sample = sample[:lookups]

    def near_copy(title: str, text: str) -> str:
        chars = list(f"{title} {text}")
        for _ in range(3):
            chars[rng.randrange(len(chars))] = "的"
        return "".join(chars) + "谢谢"

    index = recent_index()
    t0 = time.perf_counter()
    first = index.check(near_copy(*sample[0][:2]), area_path=sample[0][2], phone=sample[0][3])
    first_lookup = time.perf_counter() - t0
    row = (
        Appeal.objects.filter(area__isnull=False, category__isnull=False)
        .select_related("area", "category")
        .last()
    )
    assert row is not None
    t0 = time.perf_counter()
    result = appeal_submit(
        data=AppealInput(
            text=near_copy(row.title, row.text),
            kind="complaint",
            channel="web",
            category_code=row.category.code if row.category else "",
            area_code=row.area.code if row.area else "",
            contact_name="张三",
            contact_phone="13812341234",
            contact_consent=True,
        ),
        actor=Actor.resident(),
    )
    first_intake = time.perf_counter() - t0
    timings, found = [], 0
    for title, text, area, phone in sample:
        t0 = time.perf_counter()
        found += bool(index.check(near_copy(title, text), area_path=area, phone=phone))
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    return {
        "rss_mb_after_setup": round(started_rss, 1),
        "rss_mb_after_lookups": round(rss_mb(), 1),
        "first_lookup_s": round(first_lookup, 3),
        "first_lookup_found": len(first),
        "first_intake_s_after_it": round(first_intake, 3),
        "intake_duplicates": len(result.appeal.suggestion.get("duplicates", [])),
        "lookups": len(timings),
        "lookup_p50_ms": round(timings[len(timings) // 2], 2),
        "lookup_p99_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.99))], 2),
        "lookups_with_a_hint": found,
    }


def run_worker(lookups: int, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", "--lookups", str(lookups)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--mode", choices=["both", "embedded", "shared"], default="both")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.lookups)))
        return
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LIANXIN_DUPLICATE_INDEX", None)
    if args.mode in ("both", "embedded"):
        print(json.dumps({"mode": "embedded", **run_worker(args.lookups, env)}), flush=True)
    if args.mode in ("both", "shared"):
        folder = tempfile.mkdtemp(prefix="lx-dupbench-", dir="/tmp")
        address = str(Path(folder) / "dupindex.sock")
        env_shared = {**env, "LIANXIN_DUPLICATE_INDEX": address, "LIANXIN_DUPLICATE_INDEX_TIMEOUT": "30"}
        t0 = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "duplicate_index", "serve"],
            env=env_shared,
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stderr is not None
            line = ""
            while "listening" not in line:
                line = server.stderr.readline()
                if not line and server.poll() is not None:
                    raise SystemExit("the index server stopped")
            load_s = time.perf_counter() - t0
            figures = run_worker(args.lookups, env_shared)
            stats = subprocess.run(
                [sys.executable, "manage.py", "duplicate_index", "stats"],
                env=env_shared,
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            server_stats = json.loads(stats.strip().splitlines()[-1])
            print(
                json.dumps(
                    {
                        "mode": "shared",
                        **figures,
                        "server_start_to_ready_s": round(load_s, 1),
                        "server_log": line.strip(),
                        "server_appeals": server_stats["appeals"],
                        "server_rss_mb": round(server_stats["rss_bytes"] / 2**20, 1),
                    }
                ),
                flush=True,
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
