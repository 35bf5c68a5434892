"""`lianxin outreach import FILE [--dry-run] --user USERNAME`: import a household register.

The import runs as USERNAME (their grids are the only ones it may write); the dry run lists every
row it would refuse and why, and writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.core.errors import DomainError
from lianxin.org.models import User


class Command(BaseCommand):
    help = "Outreach: import a household register (CSV/XLSX), with --dry-run to list refused rows."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        imp = sub.add_parser("import", help="import households from a CSV or XLSX file")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        imp.add_argument("--user", required=True, help="the staff account the import runs as")

    def handle(self, *args: Any, **options: Any) -> None:
        from lianxin.outreach.importer import households_import

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        actor = User.objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"--user {options['user']!r}: no such active account.")
        try:
            report = households_import(
                actor=actor, name=path.name, content=path.read_bytes(), dry_run=options["dry_run"]
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        verb = "would import" if report.dry_run else "imported"
        self.stdout.write(
            f"{report.rows} rows: {verb} {report.households} households, {report.members} members; "
            f"{len(report.refused)} rows refused."
        )
        for refused in report.refused:
            self.stdout.write(f"  line {refused.line}: {refused.reason}")
