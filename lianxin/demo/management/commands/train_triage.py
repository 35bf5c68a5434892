"""`lianxin train_triage [--level 1|2] [--model PATH]` (also `lianxin triage train --from-db`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.demo.training import train_from_db


class Command(BaseCommand):
    help = "Train the triage category model on the closed appeals in the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--level",
            type=int,
            choices=[1, 2, 3],
            default=None,
            help="category level used as label (default: 2 if every class has enough examples, else 1)",
        )
        parser.add_argument(
            "--model", default=None, help="where to save the model (default: TRIAGE_MODEL_PATH)"
        )
        parser.add_argument(
            "--limit", type=int, default=20000, help="at most this many recent closed appeals"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["limit"] < 1:
            raise CommandError("--limit must be a positive number of appeals.")
        report = train_from_db(level=options["level"], path=options["model"], limit=options["limit"])
        if not report.trained:
            raise CommandError(report.message)
        self.stdout.write(report.message)
