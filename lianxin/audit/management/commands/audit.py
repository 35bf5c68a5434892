from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.audit.services import audit_verify


class Command(BaseCommand):
    help = "Audit log tools. `lianxin audit verify` checks the hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} entries verified."))
            return
        where = f" at entry #{report.first_bad_seq}" if report.first_bad_seq is not None else ""
        raise CommandError(
            f"Audit chain broken{where}: {report.reason}. {report.checked} entries before it verified."
        )
