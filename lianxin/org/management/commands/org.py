"""`lianxin org import-boundaries FILE [--dry-run]` and `lianxin org import-gazetteer FILE --area CODE
[--dry-run]`: grid boundaries from GeoJSON, the address gazetteer from CSV (docs/geo.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.org.boundaries import BoundaryFileInvalidError, boundaries_import
from lianxin.org.gazetteer import COLUMNS, gazetteer_import
from lianxin.org.models import Area


def _read(name: str) -> str:
    path = Path(name)
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not UTF-8 text; save it as UTF-8") from None


class Command(BaseCommand):
    help = "Organisation tools: import-boundaries (GeoJSON) and import-gazetteer (CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        bounds = sub.add_parser("import-boundaries", help="area boundaries from a GeoJSON FeatureCollection")
        bounds.add_argument("file")
        bounds.add_argument("--property", default="code", help="the feature property naming the area code")
        bounds.add_argument("--dry-run", action="store_true", help="preview what would change, write nothing")
        gaz = sub.add_parser("import-gazetteer", help=f"address gazetteer, columns {','.join(COLUMNS)}")
        gaz.add_argument("file")
        gaz.add_argument(
            "--area", required=True, help="the community (or street) whose grids the file covers"
        )
        gaz.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import-boundaries":
            self._boundaries(options)
        else:
            self._gazetteer(options)

    def _boundaries(self, options: dict[str, Any]) -> None:
        dry = options["dry_run"]
        try:
            report = boundaries_import(
                text=_read(options["file"]), code_property=options["property"], dry_run=dry
            )
        except BoundaryFileInvalidError as exc:
            raise CommandError(str(exc)) from None
        verb = "would " if dry else ""
        for label, codes in (("add", report.added), ("change", report.changed)):
            for code in codes:
                self.stdout.write(f"{verb}{label}: {code}")
        for skip in report.skipped:
            self.stdout.write(f"feature {skip.feature} ({skip.code or 'no code'}): skipped, {skip.reason}")
        self.stdout.write(
            f"{verb}add {len(report.added)}, {verb}change {len(report.changed)}, "
            f"unchanged {len(report.unchanged)}, skipped {len(report.skipped)}"
        )
        if dry and report.skipped:
            raise CommandError(
                f"{len(report.skipped)} feature(s) match no area or are unusable (listed above)"
            )

    def _gazetteer(self, options: dict[str, Any]) -> None:
        area = Area.objects.filter(code=options["area"]).first()
        if area is None:
            raise CommandError(f"no area has the code {options['area']!r}")
        dry = options["dry_run"]
        report = gazetteer_import(text=_read(options["file"]), area=area, dry_run=dry)
        for refusal in report.refused:
            self.stdout.write(f"row {refusal.row}: {refusal.reason}")
        if report.refused:
            suffix = "nothing was written" if not dry else "fix them and run again"
            raise CommandError(f"{len(report.refused)} row(s) refused (listed above); {suffix}")
        verb = "would import" if dry else "imported"
        self.stdout.write(
            f"{report.rows} rows: {verb} {report.imported}"
            + ("" if dry else f", replacing {report.replaced} earlier imported entries")
        )
