"""Time `lianxin appeals import` on N generated rows against the seeded demo district.

Usage: LIANXIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<empty db> \
       PYTHONPATH=. .venv/bin/python bench/import_bench.py --rows 100000
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings.base")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

HEADER = [
    "external_id",
    "submitted_at",
    "channel",
    "category",
    "area",
    "text",
    "contact_name",
    "contact_phone",
    "unit",
    "dispatched_at",
    "accepted_at",
    "replied_at",
    "reply_text",
    "closed_at",
    "satisfaction",
    "solved",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    from lianxin.org.models import Area, AreaLevel, DispatchRule

    if not Area.objects.exists():
        call_command("seed", "--appeals", "0", verbosity=0)
    rules = list(DispatchRule.objects.select_related("category", "unit")[:50])
    grids = list(Area.objects.filter(level=AreaLevel.GRID).values_list("code", flat=True))
    rng = random.Random(7)
    start = dt.datetime(2024, 1, 1, 8, 0)
    path = os.path.join(tempfile.mkdtemp(), "history.csv")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(args.rows):
            rule = rng.choice(rules)
            t0 = start + dt.timedelta(minutes=rng.randrange(0, 700 * 24 * 60))
            times = [t0 + dt.timedelta(hours=h) for h in (1, 3, 50, 80)]
            writer.writerow(
                [
                    f"B-{n}",
                    f"{t0:%Y-%m-%d %H:%M}",
                    "hotline",
                    rule.category.code,
                    rng.choice(grids),
                    f"第{n}件：小区门口路灯不亮，晚上看不清路，希望尽快修好。",
                    "张三",
                    f"138{n:08d}",
                    rule.unit.code,
                    *(f"{t:%Y-%m-%d %H:%M}" for t in times[:3]),
                    "已处理",
                    f"{times[3]:%Y-%m-%d %H:%M}",
                    rng.choice(["满意", "基本满意", "不满意"]),
                    rng.choice(["是", "否"]),
                ]
            )
    started = time.perf_counter()
    call_command("appeals", "import", path, "--dry-run")
    checked = time.perf_counter() - started
    started = time.perf_counter()
    call_command("appeals", "import", path)
    imported = time.perf_counter() - started
    print(
        f"{args.rows} rows: dry run {checked:.1f} s ({args.rows / checked:,.0f} rows/s), "
        f"import {imported:.1f} s ({args.rows / imported:,.0f} rows/s)"
    )


if __name__ == "__main__":
    main()
