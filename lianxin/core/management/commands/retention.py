"""`lianxin retention [--dry-run]`: erase or anonymise personal data past its retention period."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lianxin.core.retention import retention_run


class Command(BaseCommand):
    help = "Erase or anonymise what is past each data kind's retention period (LIANXIN_RETENTION_DAYS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only count what would be erased")

    def handle(self, *args: Any, **options: Any) -> None:
        verb = "would erase" if options["dry_run"] else "erased"
        for r in retention_run(dry_run=options["dry_run"]):
            self.stdout.write(
                f"{r.key:<16} {r.days:>5} days  {verb} {r.affected:>7}  "
                f"({r.label}, before {r.cutoff:%Y-%m-%d})"
            )
