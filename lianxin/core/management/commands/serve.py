"""`lianxin serve`: the embedded server for `make run`.

Prints the demo logins, runs the periodic sweeps in a background thread when no broker is
configured (in production Celery beat does it), then starts Django's server.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

logger = logging.getLogger(__name__)


def _scheduler_loop(interval: int) -> None:
    from lianxin.appeals.sweeps import sweep_deadlines

    while True:
        try:
            sweep_deadlines()
            try:
                from lianxin.supervision.tasks import periodic_refresh
            except ImportError:
                pass
            else:
                periodic_refresh()
            from lianxin.outreach.sweeps import sweep_coverage

            sweep_coverage()
        except Exception:
            logger.exception("In-process periodic work failed; will retry")
        time.sleep(interval)


class Command(BaseCommand):
    help = "Run the web server with in-process background work (the embedded default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from lianxin.demo.logins import print_demo_logins

            print_demo_logins(self.stdout)
        except ImportError:
            pass
        if not settings.BROKER_URL:
            thread = threading.Thread(
                target=_scheduler_loop, args=(settings.INPROCESS_SCHEDULER_SECONDS,), daemon=True,
                name="lianxin-scheduler",
            )
            thread.start()
            self.stdout.write("Background work runs in-process (no LIANXIN_BROKER_URL set).")
        from lianxin.appeals.triage_bridge import warm_up_in_background

        warm_up_in_background()
        self.stdout.write(f"Lianxin is at http://{options['host']}:{options['port']}/")
        call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)
