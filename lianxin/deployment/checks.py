"""`lianxin deploy check`: is this host ready to serve a production deployment? (docs/operations.md)

Each item is checked on its own and printed OK or FAIL with what to do; nothing stops at the first
failure. The items: the database answers and is PostgreSQL, every migration is applied, the cache
and the broker are shared by every process (not per-process memory, not in-process tasks), the
time zone, next year's holiday calendar, `check --deploy` clean, and — when a broker is configured —
that Celery workers answer and the deadline sweep ran recently (the beat is up).
"""

from __future__ import annotations

import io
import re
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from lianxin.core.ops import health
from lianxin.worktime import calendar

SWEEP_KEY = "lianxin:deadline-sweep:last"  # written by lianxin.appeals.sweeps after each sweep
SHARED_CACHES = ("RedisCache", "PyMemcacheCache", "PyLibMCCache", "DatabaseCache")


@dataclass(frozen=True)
class Item:
    name: str
    ok: bool
    detail: str
    fix: str = ""


class CheckFailedError(Exception):
    def __init__(self, detail: str, fix: str) -> None:
        super().__init__(detail)
        self.detail, self.fix = detail, fix


def database() -> str:
    conn = connections[DEFAULT_DB_ALIAS]
    health.check_database()
    if conn.vendor != "postgresql":
        raise CheckFailedError(
            f"the database is {conn.vendor}, not PostgreSQL",
            "set LIANXIN_DATABASE_URL=postgres://user:password@host:5432/name (or PgBouncer's port)",
        )
    with conn.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    via = (
        ", through PgBouncer"
        if settings.DATABASES[DEFAULT_DB_ALIAS].get("DISABLE_SERVER_SIDE_CURSORS")
        else ""
    )
    return f"PostgreSQL {version} at {conn.settings_dict.get('HOST') or 'local socket'}{via}"


def migrations() -> str:
    try:
        return "all applied" if health.check_migrations() == "ok" else "?"
    except RuntimeError as exc:
        raise CheckFailedError(str(exc), "run `lianxin migrate` (after a backup: `lianxin backup`)") from exc


def shared_cache() -> str:
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    if backend not in SHARED_CACHES:
        raise CheckFailedError(
            f"the cache is {backend}: each process would keep its own rate limits and lockouts",
            "set LIANXIN_CACHE_URL=redis://host:6379/1",
        )
    health.check_cache()
    return f"{backend} at {settings.CACHES['default'].get('LOCATION', '')}"


def shared_broker() -> str:
    url = settings.BROKER_URL
    if not url or url.startswith("memory") or settings.CELERY_TASK_ALWAYS_EAGER:
        raise CheckFailedError(
            "no broker: background work would run inside the web processes",
            "set LIANXIN_BROKER_URL=redis://host:6379/0 and run the lianxin-worker and lianxin-beat units",
        )
    from kombu import Connection

    with Connection(url, connect_timeout=3) as conn:
        conn.ensure_connection(max_retries=1, timeout=3)
    return f"{url.split('@')[-1]} accepts connections"


def workers() -> str:
    if not settings.BROKER_URL:
        raise CheckFailedError("no broker, hence no workers", "set LIANXIN_BROKER_URL first")
    from lianxin.celery import app

    replies = app.control.ping(timeout=2.0)
    if not replies:
        raise CheckFailedError(
            "no Celery worker answered a ping within 2 s",
            "start the workers: systemctl start lianxin-worker (journalctl -u lianxin-worker says why not)",
        )
    return f"{len(replies)} worker(s): " + ", ".join(sorted(name for reply in replies for name in reply))


def beat() -> str:
    last = cache.get(SWEEP_KEY)
    interval = float(str(settings.CELERY_BEAT_SCHEDULE["deadline-sweep"]["schedule"]))
    if last is None:
        raise CheckFailedError(
            "the deadline sweep never ran (no timestamp in the cache)",
            "start exactly one beat: systemctl start lianxin-beat; wait one sweep interval",
        )
    age = time.time() - float(str(last))
    if age > 3 * interval:
        raise CheckFailedError(
            f"the last deadline sweep ran {age:.0f} s ago (every {interval:.0f} s expected)",
            "check that lianxin-beat and the workers run: journalctl -u lianxin-beat -u lianxin-worker",
        )
    return f"last deadline sweep {age:.0f} s ago"


def web(url: str, *, insecure: bool = False) -> str:
    """The site answers /readyz through its front (nginx, TLS) with 200."""
    import json
    import ssl
    import urllib.error
    import urllib.request

    context = ssl.create_default_context()
    if insecure:
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    target = url.rstrip("/") + "/readyz"
    try:
        with urllib.request.urlopen(target, timeout=5, context=context) as answer:
            body = json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        raise CheckFailedError(
            f"{target} answered {exc.code}",
            "its JSON names the dependency that is down; journalctl -u 'lianxin-web@*' -u nginx",
        ) from exc
    except (OSError, ValueError) as exc:
        raise CheckFailedError(
            f"{target}: {exc}", "start nginx and the lianxin-web@PORT units; check the certificate"
        ) from exc
    return f"{target} ready ({', '.join(sorted(body.get('checks', {})))})"


def time_zone() -> str:
    if not settings.USE_TZ:
        raise CheckFailedError(
            "USE_TZ is off: times would be stored without a zone", "keep USE_TZ = True in the settings"
        )
    try:
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise CheckFailedError(
            f"the zone {settings.TIME_ZONE!r} is unknown to this host",
            "install the tzdata package (apt-get install tzdata)",
        ) from exc
    if str(calendar.TZ) != settings.TIME_ZONE:
        raise CheckFailedError(
            f"the working calendar counts in {calendar.TZ}, the site in {settings.TIME_ZONE}",
            "use the same zone for both (Asia/Shanghai)",
        )
    detail = f"{zone} (now {timezone.localtime():%Y-%m-%d %H:%M %Z})"
    conn = connections[DEFAULT_DB_ALIAS]
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute("SELECT current_setting('TimeZone')")
            server = cursor.fetchone()[0]
        # Django sets UTC per connection when the server's zone differs: session state that a
        # transaction-mode pooler hands to the next client. The role's own zone avoids it.
        if server != "UTC" and settings.DATABASES[DEFAULT_DB_ALIAS].get("DISABLE_SERVER_SIDE_CURSORS"):
            raise CheckFailedError(
                f"the database session zone is {server}, not UTC, behind PgBouncer",
                "ALTER ROLE <the app's role> SET timezone TO 'UTC'; (then reconnect)",
            )
        detail += f"; database sessions in {server}"
    return detail


def next_year_calendar() -> str:
    year = timezone.localdate().year + 1
    if not calendar.year_is_known(year):
        raise CheckFailedError(
            f"the holiday schedule for {year} is not known: its deadlines would count Monday to Friday only",
            f"enter {year}'s holidays and adjusted working days at /admin/worktime/calendarday/ "
            "as soon as the State Council publishes them, or upgrade the chinesecalendar package",
        )
    return f"{timezone.localdate().year} and {year} known"


def django_deploy_checks() -> str:
    out = io.StringIO()
    try:
        call_command("check", deploy=True, fail_level="WARNING", stdout=out, stderr=out)
    except SystemCheckError as exc:
        ids = sorted(set(re.findall(r"\(([a-z_]+\.[A-Z]\d{3})\)", str(exc))))
        raise CheckFailedError(
            f"{len(ids)} issue(s): {', '.join(ids)}" if ids else str(exc)[:400],
            "run `lianxin check --deploy` and fix each message (the hint says how)",
        ) from exc
    return "no issue"


ITEMS: dict[str, Callable[[], str]] = {
    "database": database,
    "migrations": migrations,
    "cache": shared_cache,
    "broker": shared_broker,
    "time zone": time_zone,
    "calendar": next_year_calendar,
    "check --deploy": django_deploy_checks,
}
SERVICE_ITEMS: dict[str, Callable[[], str]] = {"workers": workers, "beat": beat}


def run(*, services: bool = True, url: str = "", insecure: bool = False) -> list[Item]:
    items = {**ITEMS, **(SERVICE_ITEMS if services else {})}
    if url:
        items["web"] = lambda: web(url, insecure=insecure)
    results = []
    for name, check in items.items():
        try:
            results.append(Item(name, True, check()))
        except CheckFailedError as exc:
            results.append(Item(name, False, exc.detail, exc.fix))
        except Exception as exc:  # a check reports every failure, it never stops the others
            results.append(
                Item(
                    name,
                    False,
                    f"{type(exc).__name__}: {exc}"[:400],
                    "see the message; the same dependency is also named by /readyz",
                )
            )
    return results
