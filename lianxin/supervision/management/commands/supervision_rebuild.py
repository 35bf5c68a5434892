"""Recompute the KPI rollups from the raw appeal events, optionally checking them first."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lianxin.supervision import rollups
from lianxin.supervision.models import COUNTERS, KpiMonthly


def _snapshot() -> dict[tuple[Any, ...], tuple[Any, ...]]:
    keys = ("month", "unit_id", "area_id", "category_id")
    return {
        tuple(row[k] for k in keys): tuple(row[c] for c in COUNTERS)
        for row in KpiMonthly.objects.values(*keys, *COUNTERS)
        if any(row[c] for c in COUNTERS)
    }


class Command(BaseCommand):
    help = "Empty the KPI rollup tables and fold every appeal event again (use --check to compare)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="fail if the rebuilt monthly rollups differ")

    def handle(self, *args: Any, **options: Any) -> None:
        before = _snapshot() if options["check"] else None
        report = rollups.rebuild()
        self.stdout.write(f"folded {report.events} events up to #{report.last_id}")
        if before is not None:
            after = _snapshot()
            differing = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
            if differing:
                raise CommandError(f"{len(differing)} monthly rollup rows differed from the recomputation")
            self.stdout.write("rollups agreed with the recomputation")
