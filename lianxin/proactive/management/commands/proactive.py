"""`lianxin proactive propose [--date YYYY-MM-DD]`: run the detectors now and propose new tasks
(what the daily job does)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Proactive governance: propose tasks from the appeal data (recurring, building, seasonal, hotspots)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        propose = sub.add_parser("propose", help="run the detectors and propose new tasks")
        propose.add_argument("--date", help="as if today were this day (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        from lianxin.proactive.services import proposals_generate

        today = None
        if options.get("date"):
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date {options['date']!r}: use YYYY-MM-DD.") from None
        created = proposals_generate(today=today)
        total = sum(created.values())
        self.stdout.write(f"{total} new proposals: " + ", ".join(f"{k} {v}" for k, v in created.items()))
