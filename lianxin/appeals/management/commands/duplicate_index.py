"""`lianxin duplicate_index serve|stats`: the host's shared near-duplicate index
(appeals/duplicates_remote.py)."""

from __future__ import annotations

import json
import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.appeals.duplicates_remote import (
    IndexServer,
    IndexUnavailableError,
    RemoteAppealsIndex,
    resident_bytes,
)


class Command(BaseCommand):
    help = (
        "The near-duplicate index shared by every worker of a host. `serve` loads the recent "
        "appeals and answers lookups at LIANXIN_DUPLICATE_INDEX (or --address); `stats` asks a running one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name in ("serve", "stats"):
            p = sub.add_parser(name)
            p.add_argument(
                "--address",
                default="",
                help="a socket path or 127.0.0.1:PORT (default: LIANXIN_DUPLICATE_INDEX)",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        address = options["address"] or str(settings.LIANXIN.get("DUPLICATE_INDEX_ADDRESS") or "")
        if not address:
            raise CommandError(
                "No address: set LIANXIN_DUPLICATE_INDEX (e.g. /run/lianxin/dupindex.sock) or pass --address."
            )
        if options["action"] == "stats":
            try:
                self.stdout.write(json.dumps(RemoteAppealsIndex(address, timeout=30).stats()))
            except IndexUnavailableError as exc:
                raise CommandError(str(exc)) from exc
            return
        server = IndexServer(address)
        started = time.perf_counter()
        server.index.refresh()  # load the window before listening: workers meanwhile go on without hints
        stats = server.index.stats()
        self.stderr.write(
            f"duplicate index: {stats['appeals']:,} appeals of the last {stats['window_days']} days "
            f"loaded in {time.perf_counter() - started:.1f} s, {resident_bytes() / 2**20:.0f} MB resident; "
            f"listening at {address}"
        )
        server.bind()

        def stop(signum: int, frame: Any) -> None:
            server.close()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        server.serve_forever()
