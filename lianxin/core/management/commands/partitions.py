"""`lianxin partitions [--ahead N] [--list] [--detach TABLE YYYY-MM]`: the monthly partitions (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from lianxin.core.partitions import PartitionError, detach_month, ensure_partitions, partitions, registered


class Command(BaseCommand):
    help = "Create the coming months' partitions, empty the default partitions, list or archive months."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ahead", type=int, default=3, help="months to create ahead (default 3)")
        parser.add_argument("--list", action="store_true", help="only list the partitions")
        parser.add_argument(
            "--detach",
            nargs=2,
            metavar=("TABLE", "YYYY-MM"),
            help="detach one past month of TABLE into an archive table",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write("partitions are used on PostgreSQL only; this database is " + connection.vendor)
            return
        if not 0 <= options["ahead"] <= 36:
            raise CommandError("--ahead must be between 0 and 36 months")
        if options["detach"]:
            table, month_text = options["detach"]
            try:
                month = dt.datetime.strptime(month_text, "%Y-%m").date()
            except ValueError as exc:
                raise CommandError(f"month must look like 2025-01, not {month_text!r}") from exc
            try:
                archive = detach_month(table, month)
            except PartitionError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"{table} {month:%Y-%m} detached as {archive}")
            return
        if not options["list"]:
            for name in ensure_partitions(ahead=options["ahead"]):
                self.stdout.write(f"created {name}")
        for spec in registered():
            for p in partitions(spec.table):
                rows = "?" if p.rows < 0 else str(p.rows)
                self.stdout.write(f"{p.name:<40} {rows:>10} rows {p.bytes / 1e6:>9.1f} MB  {p.bound}")
