"""`lianxin appeals import FILE [--dry-run]`: load a centre's past appeals (lianxin/appeals/importer.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.appeals.importer import COLUMNS, ImportRefusedError, appeals_import
from lianxin.core.partitions import ensure_partitions


class Command(BaseCommand):
    help = "Appeal tools. `import FILE [--dry-run]` loads past appeals from CSV/XLSX with their history."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help=f"columns by header name: {', '.join(COLUMNS)}")
        load.add_argument("file")
        load.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        dry = options["dry_run"]

        def progress(rows: int) -> None:
            sys.stderr.write(f"\r{rows:,} rows read…")
            sys.stderr.flush()

        try:
            report = appeals_import(path=path, dry_run=dry, progress=None if dry else progress)
        except ImportRefusedError as exc:
            raise CommandError(str(exc)) from exc
        if not dry:
            sys.stderr.write("\n")
        for refusal in report.refused:
            self.stdout.write(
                f"row {refusal.row} ({refusal.external_id or 'no external_id'}): {refusal.reason}"
            )
        verb = "would import" if dry else "imported"
        fresh = report.rows - len(report.refused) - report.already if dry else report.imported
        self.stdout.write(
            f"{report.rows} rows: {verb} {fresh}, already imported {report.already}, "
            f"refused {len(report.refused)}"
        )
        if not dry and report.imported:
            # Past months' events landed in the default partition (PostgreSQL): give them months of their own.
            ensure_partitions()
            self.stdout.write(
                "KPIs, rankings and hotspots take the imported history in at the next fold "
                "(supervision's periodic refresh; or run `lianxin supervision_rebuild`)."
            )
        if report.refused and dry:
            raise CommandError(
                f"{len(report.refused)} row(s) would be refused (listed above); nothing was written"
            )
