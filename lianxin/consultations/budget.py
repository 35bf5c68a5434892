"""The funded set of a participatory budget: the projects that together receive the most votes
without exceeding the budget (0/1 knapsack, exact by dynamic programming over costs rounded up to
a unit that keeps the table small; ties keep the cheaper set)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

TABLE_MAX = 20_000  # budget units the table may have


@dataclass(frozen=True)
class Item:
    key: int
    cost: int
    votes: int


def knapsack(items: Sequence[Item], budget: int) -> list[int]:
    """Keys of the items that maximise total votes with total cost <= budget.

    Costs are rounded up to `unit` yuan so that the table has at most TABLE_MAX columns; rounding up
    never lets the chosen set exceed the real budget."""
    if budget <= 0 or not items:
        return []
    unit = max(1, math.ceil(budget / TABLE_MAX))
    capacity = budget // unit
    weights = [math.ceil(i.cost / unit) for i in items]
    # best[c] = (votes, -cost) achievable with capacity c; keep[k][c] whether item k was taken
    best = [(0, 0)] * (capacity + 1)
    keep: list[bytearray] = []
    for item, w in zip(items, weights, strict=True):
        row = bytearray(capacity + 1)
        if w <= capacity:
            new = best[:]
            for c in range(capacity, w - 1, -1):
                votes, neg_cost = best[c - w]
                candidate = (votes + item.votes, neg_cost - item.cost)
                if candidate > new[c]:
                    new[c] = candidate
                    row[c] = 1
            best = new
        keep.append(row)
    chosen: list[int] = []
    c = capacity
    for k in range(len(items) - 1, -1, -1):
        if keep[k][c]:
            chosen.append(items[k].key)
            c -= weights[k]
    return sorted(chosen)
