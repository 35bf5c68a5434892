"""`lianxin serve`: the embedded server for `make run`.

Prints the demo logins, runs the periodic sweeps in a background thread when no broker is
configured (in production Celery beat does it), then starts Django's server. The apps register
that work in `lianxin.core.startup` (from their `AppConfig.ready`); core imports none of them.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from lianxin.core import startup

logger = logging.getLogger(__name__)


def _scheduler_loop(interval: int) -> None:
    while True:
        try:
            for job in startup.periodic_jobs():
                job()
        except Exception:
            logger.exception("In-process periodic work failed; will retry")
        time.sleep(interval)


class Command(BaseCommand):
    help = "Run the web server with in-process background work (the embedded default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args: Any, **options: Any) -> None:
        for banner in startup.banners():
            banner(self.stdout)
        if not settings.BROKER_URL:
            thread = threading.Thread(
                target=_scheduler_loop,
                args=(settings.INPROCESS_SCHEDULER_SECONDS,),
                daemon=True,
                name="lianxin-scheduler",
            )
            thread.start()
            self.stdout.write("Background work runs in-process (no LIANXIN_BROKER_URL set).")
        for warm_up in startup.warm_ups():
            warm_up()
        self.stdout.write(f"Lianxin is at http://{options['host']}:{options['port']}/")
        call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)
