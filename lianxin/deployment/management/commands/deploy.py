"""`lianxin deploy check [--no-services] [--url URL [--insecure]]`: verify this
host against the deployment (deploy/README.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.deployment import checks as deploycheck


class Command(BaseCommand):
    help = (
        "Verify a production host: database, migrations, shared cache and broker, time zone, calendar, "
        "check --deploy, services."
    )
    requires_system_checks: list[str] = []  # `check --deploy` is one of the items, reported like the others

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["check"], help="check: verify this host")
        parser.add_argument(
            "--no-services",
            action="store_true",
            help="skip the workers and beat items (before the units are started)",
        )
        parser.add_argument(
            "--url",
            default="",
            help="also check that this site answers /readyz (e.g. https://lianxin.example.gov.cn)",
        )
        parser.add_argument(
            "--insecure", action="store_true", help="with --url: do not verify the TLS certificate"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        items = deploycheck.run(
            services=not options["no_services"], url=options["url"], insecure=options["insecure"]
        )
        width = max(len(item.name) for item in items)
        for item in items:
            mark = self.style.SUCCESS("OK  ") if item.ok else self.style.ERROR("FAIL")
            self.stdout.write(f"{mark} {item.name.ljust(width)}  {item.detail}")
            if not item.ok:
                self.stdout.write(f"     {' ' * width}  → {item.fix}")
        failed = [item.name for item in items if not item.ok]
        if failed:
            raise CommandError(f"{len(failed)} of {len(items)} checks failed: {', '.join(failed)}")
        self.stdout.write(self.style.SUCCESS(f"all {len(items)} checks passed"))
