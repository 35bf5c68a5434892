"""`lianxin consultations import-polis DIR [--unit CODE]` and `lianxin consultations analyse SLUG [--json]`.

`import-polis` prints a summary and then the new consultation's slug as its last line; `analyse`
recomputes and stores the opinion groups and prints them (one JSON object with `--json`).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.core.errors import DomainError
from lianxin.org.models import Unit


class Command(BaseCommand):
    help = "Consultations: import a Pol.is export, analyse the opinion groups."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        imp = sub.add_parser(
            "import-polis", help="Import a Pol.is export directory (comments.csv, votes.csv)."
        )
        imp.add_argument("directory")
        imp.add_argument("--unit", default="", help="Code of the organising unit (default: the first unit).")
        ana = sub.add_parser("analyse", help="Recompute and print the opinion groups of a consultation.")
        ana.add_argument("slug")
        ana.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "import-polis":
                self._import(options["directory"], options["unit"])
            else:
                self._analyse(options["slug"], options["as_json"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _import(self, directory: str, unit_code: str) -> None:
        from lianxin.consultations.analysis import compute
        from lianxin.consultations.services.polis import consultation_import_polis

        units = Unit.objects.filter(active=True).order_by("code")
        unit = units.filter(code=unit_code).first() if unit_code else units.first()
        if unit is None:
            raise CommandError(
                f"No unit {unit_code!r}; create the organisation first (lianxin seed) or pass --unit."
                if unit_code
                else "No unit exists; create the organisation first (lianxin seed)."
            )
        consultation = consultation_import_polis(directory=directory, unit=unit)
        row = compute(consultation)
        self.stdout.write(
            f"Imported {consultation.statements.count()} statements, {consultation.participants.count()} "
            f"participants, {row.vote_count} votes; {len(row.data['groups'])} opinion groups."
        )
        self.stdout.write(consultation.slug)

    def _analyse(self, slug: str, as_json: bool) -> None:
        from lianxin.consultations.analysis import compute, exported
        from lianxin.consultations.models import Consultation

        consultation = Consultation.objects.filter(slug=slug).first()
        if consultation is None:
            raise CommandError(f"No consultation with slug {slug!r}.")
        result = exported(consultation, compute(consultation))
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        for group in result["groups"]:
            self.stdout.write(
                f"group {group['id']}: {len(group['participants'])} participants; "
                f"representative {', '.join(result['representative'].get(str(group['id']), []))}"
            )
        self.stdout.write(f"consensus: {', '.join(result['consensus'])}")
