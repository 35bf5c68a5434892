"""`lianxin seed [--appeals N] [--seed S] [--if-empty] [--corpus DIR]`: the demo district.

Builds a fictional district (示范区) with its organisation, people and N appeals over the last
12 months, prints the demo logins and trains the demo triage model. Deterministic for a given
`--seed` and `--now`.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from lianxin.activities.demo import seed_activities
from lianxin.consultations.demo import seed_consultations
from lianxin.demo import catalogue as cat
from lianxin.demo.district import DEMO_PASSWORD, build_district, has_district
from lianxin.demo.history import HistoryGenerator
from lianxin.demo.logins import print_demo_logins
from lianxin.demo.training import train_from_db
from lianxin.demo.writer import ChunkWriter
from lianxin.learning.demo import seed_learning
from lianxin.mediation.demo import seed_mediation
from lianxin.outreach.demo import seed_outreach
from lianxin.worktime import calendar

MAX_APPEALS = 5_000_000
FAST_LOAD_MIN = 50_000  # from this size on, PostgreSQL foreign-key triggers are skipped while loading


def load_corpus(directory: Path) -> dict[str, list[str]]:
    """Real message texts by first-level code, read from the corpus directory (never copied)."""
    path = directory / "train_raw.csv"
    if not path.exists():
        raise CommandError(f"--corpus: {path} not found; pass the directory that holds train_raw.csv.")
    codes = {name: code for code, name, _seconds in cat.TREE}
    texts: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = codes.get(row.get("label", ""))
            if code and row.get("text"):
                texts.setdefault(code, []).append(row["text"])
    return texts


class Command(BaseCommand):
    help = "Seed the demo district (示范区) with staff, residents and appeals; print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--appeals", type=int, default=3000, help="number of appeals (default 3000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if a district already exists")
        parser.add_argument("--now", default="", help="end of the seeded year, YYYY-MM-DD (default: today)")
        parser.add_argument("--days", type=int, default=365, help="how far back appeals go (default 365)")
        parser.add_argument(
            "--corpus", default="", help="directory of real messages (train_raw.csv) to mix in"
        )
        parser.add_argument("--no-train", action="store_true", help="do not train the demo triage model")
        parser.add_argument("--quiet-progress", action="store_true", help="no progress lines on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "LIANXIN_PRODUCTION", False):
            # the demo's logins, passwords and API key are published in the README
            raise CommandError(
                "lianxin seed refuses to run under production settings: it creates demo logins with a "
                "published password and a published API key. Seed a demo or test installation instead."
            )
        n = options["appeals"]
        if not 0 <= n <= MAX_APPEALS:
            raise CommandError(f"--appeals must be between 0 and {MAX_APPEALS:,}.")
        if options["days"] < 1:
            raise CommandError("--days must be at least 1.")
        if has_district():
            if options["if_empty"]:
                self.stdout.write("The database already has a district; nothing seeded.")
                print_demo_logins(self.stdout)
                return
            raise CommandError(
                "The database already has a district. Seed a fresh database, or pass --if-empty to skip."
            )
        now = self._now(options["now"])
        corpus = load_corpus(Path(options["corpus"])) if options["corpus"] else None
        started = time.monotonic()
        residents = max(50, min(5000, n // 10))
        with transaction.atomic():
            dmap = build_district(seed=options["seed"], residents=residents)
            seed_outreach(
                grid_worker_of={grid: info.id for grid, info in dmap.grid_workers.items()},
                password=DEMO_PASSWORD,
                seed=options["seed"],
                today=now.date(),
            )
        generator = HistoryGenerator(
            dmap,
            seed=options["seed"],
            total=n,
            now=now,
            days=options["days"],
            tracking_prefix=settings.LIANXIN["TRACKING_PREFIX"],
            corpus=corpus,
        )
        writer = ChunkWriter(dmap.unit_codes, skip_fk_checks=n >= FAST_LOAD_MIN)
        done = 0
        for chunk in generator.chunks():
            with transaction.atomic():
                writer.write_chunk(chunk)
            done += len(chunk.appeals)
            if not options["quiet_progress"]:
                elapsed = time.monotonic() - started
                sys.stderr.write(
                    f"\rseed: {done:,}/{n:,} appeals ({100 * done / max(n, 1):.0f}%), "
                    f"{writer.counts['events']:,} events, {elapsed:.0f}s"
                )
                sys.stderr.flush()
        with transaction.atomic():
            writer.finish(generator.day_counters)
        with transaction.atomic():
            seed_mediation(seed=options["seed"])
            seed_learning()
        if not options["quiet_progress"] and n:
            sys.stderr.write("\n")
        self.stdout.write(f"Community life: {seed_activities(seed=options['seed'], now=now)}")
        self.stdout.write(
            f"Seeded {cat.DISTRICT_NAME}: {len(cat.STREETS)} streets, {len(dmap.grids)} grids, "
            f"{len(dmap.unit_ids)} units, {len(dmap.leaves)} leaf categories, "
            f"{writer.counts['appeals']:,} appeals, "
            f"{writer.counts['events']:,} events in {time.monotonic() - started:.1f}s."
        )
        seed_consultations(seed=options["seed"])  # live phases: relative to the real clock
        from lianxin.proactive.services import proposals_generate

        proposed = proposals_generate(today=now.date())  # 未诉先办: proposals from the seeded appeals
        self.stdout.write(f"Proactive proposals: {sum(proposed.values())} ({proposed})")
        from lianxin.proactive.demo import seed_notices

        self.stdout.write(f"Notices and planned works: {seed_notices()}")
        if not options["no_train"] and n:
            report = train_from_db()
            self.stdout.write(report.message)
        print_demo_logins(self.stdout)

    def _now(self, value: str) -> dt.datetime:
        if not value:
            today = dt.datetime.now(calendar.TZ).date()
        else:
            try:
                today = dt.date.fromisoformat(value)
            except ValueError:
                raise CommandError(f"--now must be a date like 2026-11-25, not {value!r}.") from None
        return dt.datetime.combine(today, dt.time(0, 0), tzinfo=calendar.TZ)
