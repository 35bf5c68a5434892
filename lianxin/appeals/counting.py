"""Counting a list for its pager without counting a million rows.

A list is counted exactly up to a cap (a COUNT over at most cap + 1 rows, which stops at the
cap); beyond it, on PostgreSQL, the planner's estimate of the same query is given instead and
marked as such ("约 N" / "about N", `count_exact: false` in the API). SQLite (the embedded mode,
small tables) always counts exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet


@dataclass(frozen=True)
class Counted:
    n: int
    exact: bool


def count_for_pager(qs: QuerySet[Any], *, cap: int) -> Counted:
    """The number of rows of `qs`: exact up to `cap`; beyond it an estimate (never below cap + 1)."""
    # The list's own order kept: a unit's whole list then walks the order's index and stops at the
    # cap (47 ms at 1,000,000 appeals under load) instead of building a bitmap of the unit's rows
    # (64 ms); for a rare match the planner still takes the bitmap.
    n = qs[: cap + 1].count()
    if n <= cap:
        return Counted(n, True)
    qs = qs.order_by()
    estimate = planner_rows(qs)
    if estimate is None:  # not PostgreSQL: count them
        return Counted(qs.count(), True)
    return Counted(max(estimate, cap + 1), False)


def planner_rows(qs: QuerySet[Any]) -> int | None:
    """PostgreSQL's estimate of how many rows `qs` returns (EXPLAIN, nothing run); None elsewhere."""
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = qs.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
