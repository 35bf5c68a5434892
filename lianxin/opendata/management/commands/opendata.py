"""`lianxin opendata export --month YYYY-MM --out DIR`: the month's open-data export (docs/opendata.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.core.errors import DomainError

from ... import export


class Command(BaseCommand):
    help = "Write the monthly open-data export of appeals (aggregate counts, k-anonymous) as CSV and JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        exp = sub.add_parser("export", help="Export one month.")
        exp.add_argument("--month", required=True, help="The month, YYYY-MM (e.g. 2026-10).")
        exp.add_argument("--out", required=True, help="Directory to write into (created if missing).")
        exp.add_argument(
            "--k", type=int, default=0, help="Smallest published cell (default: the setting, 5)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = export.build(options["month"], k=options["k"] or None)
        except DomainError as exc:
            raise CommandError(exc.message, returncode=2) from None
        if options["k"] and options["k"] < 1:
            raise CommandError("--k must be at least 1.", returncode=2)
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        stem = f"lianxin-appeals-{data['month']}"
        (out / f"{stem}.csv").write_text(export.to_csv(data), encoding="utf-8")
        (out / f"{stem}-daily.csv").write_text(export.daily_csv(data), encoding="utf-8")
        (out / f"{stem}.json").write_text(export.to_json(data), encoding="utf-8")
        (out / "dictionary.json").write_text(export.dictionary_json(data["k"]), encoding="utf-8")
        self.stdout.write(f"{len(data['cells'])} cells (k={data['k']}) written to {out}/{stem}.*")
