#!/usr/bin/env python
"""Free-text search of appeals on a seeded PostgreSQL database, through the real views.

    createdb -U postgres -h 127.0.0.1 lx_search1m
    export LIANXIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lx_search1m
    .venv/bin/lianxin migrate appeals 0004 && .venv/bin/lianxin seed --appeals 1000000 --no-train
    .venv/bin/python bench/search.py            # before: no trigram index yet
    .venv/bin/lianxin migrate                   # builds the trigram indexes (migration 0005)
    .venv/bin/python bench/search.py --explain  # after

As the demo dispatcher (whose queues cover the whole table), in-process with Django's test client
(no HTTP server, so the figures are the view's own time: SQL plus rendering), for each query:
- `web all`: `GET /staff/queue/all/?q=…`, newest first, the first page (a page + 1 rows);
- `web to_dispatch`: `GET /staff/queue/to_dispatch/?q=…`;
- `api`: `GET /api/v1/appeals?q=…` (newest first, 20 a page, with its COUNT(*));
- `old expr`: the `icontains` expression the search used before (`UPPER(col) LIKE UPPER(…)` on
  title and text), same queue, order and LIMIT (a page + 1), evaluated through the ORM.
Prints one JSON object per (query, path) with p50/max in ms and the matching rows; with
`--explain`, the EXPLAIN ANALYZE of the `web all` query. Read-only: it writes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (label, query): words taken from the seeded texts (lianxin/demo/catalogue.py), plus a Latin word,
# a tracking-number fragment and words that match nothing.
QUERIES = [
    ("2 chars", "路灯"),
    ("3 chars", "下水道"),
    ("4 chars", "燃气异味"),
    ("5 chars", "红绿灯时间"),
    ("Latin", "wifi"),
    ("tracking fragment", "LX2026"),
    ("no match, 2 chars", "鲸鱼"),
    ("no match, 4 chars", "火星基地"),
    ("very common (10%+)", "反映"),
    ("very common, 4 chars", "尽快解决"),
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query and path (default 5)")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the web query")
    parser.add_argument(
        "--query",
        action="append",
        default=[],
        help="measure this query instead of the default set (repeatable)",
    )
    parser.add_argument(
        "--as-handler",
        action="store_true",
        help="as the handler of the busiest unit instead of the dispatcher; adds its whole list (API, with its count)",  # noqa: E501
    )
    args = parser.parse_args()

    if not os.environ.get("LIANXIN_DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set LIANXIN_DATABASE_URL to the seeded PostgreSQL database.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings.base")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Q
    from django.test import Client

    from lianxin.appeals.models import Appeal
    from lianxin.appeals.selectors import queue, text_search_q
    from lianxin.org.models import User
    from lianxin.web.views.staff import PAGE_SIZE

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    dispatcher = User.objects.get(username="dispatcher")
    if args.as_handler:  # the unit with the most appeals, and one of its handlers
        from django.db.models import Count

        from lianxin.org.models import RoleAssignment

        unit_id = (
            Appeal.objects.exclude(unit=None)
            .values("unit")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list("unit", flat=True)
            .first()
        )
        assert unit_id is not None, "seed the district first"
        found = RoleAssignment.objects.filter(role="handler", unit_id=unit_id).select_related("user").first()
        assert found is not None, "the seeded district has a handler in its busiest unit"
        dispatcher = found.user
    client = Client()
    client.force_login(dispatcher)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM appeals_appeal")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT indexname, pg_size_pretty(pg_relation_size(indexname::regclass)) FROM pg_indexes "
            "WHERE tablename = 'appeals_appeal' AND indexname LIKE '%trgm'"
        )
        indexes = dict(cursor.fetchall())
    print(json.dumps({"appeals": total, "trigram_indexes": indexes}, ensure_ascii=False))

    def timed(run: Callable[[], Any]) -> dict[str, float]:
        run()  # warm: the table's pages in the cache, as on a server that has been up for a while
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            run()
            times.append((time.perf_counter() - start) * 1000)
        return {"p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}

    def get(url: str, **params: str) -> Callable[[], Any]:
        def run() -> None:
            response = client.get(url, params)
            assert response.status_code == 200, (url, response.status_code)

        return run

    if args.as_handler:
        print(
            json.dumps(
                {
                    "reader": dispatcher.username,
                    "path": "api whole list (with its count)",
                    **timed(get("/api/v1/appeals")),
                },
                ensure_ascii=False,
            ),
            flush=True,
        )
    queries = [("given", q) for q in args.query] or QUERIES
    for label, q in queries:
        matching = Appeal.objects.filter(text_search_q(q)).count()
        row = {"query": q, "label": label, "matching": matching, "share": round(matching / max(total, 1), 4)}
        old = (
            queue(dispatcher, "all")
            .filter(Q(title__icontains=q) | Q(text__icontains=q))
            .order_by("-submitted_at", "id")
        )
        paths: dict[str, Callable[[], Any]] = {
            "web all": get("/staff/queue/all/", q=q),
            "web to_dispatch": get("/staff/queue/to_dispatch/", q=q),
            "api": get("/api/v1/appeals", q=q),
            "old expr": lambda old=old: list(old[: PAGE_SIZE + 1]),  # type: ignore[misc]  # bound by default argument
        }
        for path, run in paths.items():
            print(json.dumps({**row, "path": path, **timed(run)}, ensure_ascii=False), flush=True)
        if args.explain:
            new = queue(dispatcher, "all").filter(text_search_q(q)).order_by("-submitted_at", "id")
            print(new[: PAGE_SIZE + 1].explain(analyze=True, buffers=True), flush=True)


if __name__ == "__main__":
    main()
