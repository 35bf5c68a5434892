"""Run the periodic supervision work now: fold events, evaluate warnings, escalate orders."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from lianxin.supervision.rollups import SETTLE_SECONDS
from lianxin.supervision.tasks import refresh


class Command(BaseCommand):
    help = "Fold new appeal events into the KPI rollups, evaluate warnings and escalate missed orders."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--settle-seconds",
            type=int,
            default=SETTLE_SECONDS,
            help="leave events younger than this for the next run (default %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = refresh(settle_seconds=options["settle_seconds"])
        self.stdout.write(json.dumps(report, ensure_ascii=False))
