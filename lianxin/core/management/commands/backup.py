"""`lianxin backup [DIR]`: database + media + audit anchor, with checksums (docs/operations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.core.backup import backup_create
from lianxin.core.errors import DomainError


class Command(BaseCommand):
    help = "Back up the database, uploaded files and the audit anchor into a new directory under DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", nargs="?", default="backups")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backup = backup_create(target=Path(options["directory"]))
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        total = sum(meta["bytes"] for meta in backup.manifest["files"].values())
        self.stdout.write(f"backup written: {backup.path} ({total:,} bytes, {backup.manifest['engine']})")
        self.stdout.write(str(backup.path))
