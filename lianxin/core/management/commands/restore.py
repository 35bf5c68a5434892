"""`lianxin restore DIR --yes`: put a backup back (checked first), then verify the audit chain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.core.backup import backup_check, backup_restore
from lianxin.core.errors import DomainError


class Command(BaseCommand):
    help = "Replace the database, uploaded files and audit anchor with a backup made by `lianxin backup`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory")
        parser.add_argument("--yes", action="store_true", help="confirm: the current data is replaced")
        parser.add_argument("--check", action="store_true", help="only check the backup's checksums")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["directory"])
        try:
            if options["check"]:
                manifest = backup_check(source=source)
                self.stdout.write(
                    f"backup intact: {len(manifest['files'])} files, made {manifest['created_at']}"
                )
                return
            if not options["yes"]:
                raise CommandError("restore replaces all current data: run again with --yes to confirm")
            manifest = backup_restore(source=source)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"restored the backup made {manifest['created_at']}")
        call_command("audit", "verify", stdout=self.stdout)
