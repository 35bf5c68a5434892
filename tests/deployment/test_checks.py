"""`lianxin deploy check`: every item says OK or FAIL with what to do; the exit status says if all passed."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from lianxin.deployment import checks as deploycheck
from lianxin.worktime import calendar
from lianxin.worktime.models import CalendarDay

pytestmark = pytest.mark.django_db
REDIS = os.environ.get("LIANXIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _by_name() -> dict[str, deploycheck.Item]:
    return {item.name: item for item in deploycheck.run()}


def _run_command(*args: str) -> tuple[str, str]:
    out = io.StringIO()
    try:
        call_command("deploy", "check", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), str(exc)
    return out.getvalue(), ""


def test_the_embedded_defaults_fail_with_what_to_do():
    """The test settings are the embedded default: per-process cache, in-process tasks."""
    items = _by_name()
    assert not items["cache"].ok
    assert "LIANXIN_CACHE_URL" in items["cache"].fix
    assert not items["broker"].ok
    assert "LIANXIN_BROKER_URL" in items["broker"].fix
    assert not items["workers"].ok
    assert not items["beat"].ok
    assert items["migrations"].ok, items["migrations"].detail
    assert items["time zone"].ok
    assert "Asia/Shanghai" in items["time zone"].detail
    if connection.vendor == "sqlite":
        assert not items["database"].ok
        assert "LIANXIN_DATABASE_URL" in items["database"].fix
    else:
        assert items["database"].ok
        assert items["database"].detail.startswith("PostgreSQL")


def test_the_command_prints_each_item_and_fails_with_their_names():
    out, error = _run_command("--no-services")
    assert "FAIL cache" in out
    assert "→ set LIANXIN_CACHE_URL" in out
    assert "OK   time zone" in out
    assert "workers" not in out  # --no-services leaves them out
    assert "checks failed" in error
    assert "cache" in error
    assert "broker" in error


def test_check_deploy_failures_are_named_by_id(settings):
    settings.SECURE_SSL_REDIRECT = False
    item = _by_name()["check --deploy"]
    assert not item.ok
    assert "security.W008" in item.detail
    assert "lianxin check --deploy" in item.fix


def test_next_years_calendar_fails_until_a_holiday_is_entered():
    year = timezone.localdate().year + 1
    if calendar.package_knows(year):
        pytest.skip(f"the installed chinesecalendar already knows {year}")
    item = _by_name()["calendar"]
    assert not item.ok
    assert str(year) in item.detail
    assert "/admin/worktime/calendarday/" in item.fix
    CalendarDay.objects.create(date=dt.date(year, 1, 1), is_workday=False, note="元旦")
    calendar.clear_cache()
    assert _by_name()["calendar"].ok


def test_a_pending_migration_fails_with_migrate(settings):
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    # the app's latest migration (a parent unrecorded under an applied child would not be pending)
    app, name = MigrationLoader(connection).graph.leaf_nodes("core")[0]
    MigrationRecorder(connection).migration_qs.filter(app=app, name=name).delete()
    item = _by_name()["migrations"]
    assert not item.ok
    assert f"core.{name}" in item.detail
    assert "lianxin migrate" in item.fix


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except redis.exceptions.ConnectionError:
        return False


@pytest.mark.redis
def test_shared_cache_and_broker_pass_on_redis(settings):
    if not _redis_up():
        pytest.skip(f"Redis not reachable at {REDIS}")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS}
    }
    settings.BROKER_URL = REDIS
    settings.CELERY_TASK_ALWAYS_EAGER = False
    items = _by_name()
    assert items["cache"].ok
    assert "RedisCache" in items["cache"].detail
    assert items["broker"].ok, items["broker"].detail
    # no worker listens on this test's broker: the item says so and how to start them
    assert not items["workers"].ok
    assert "lianxin-worker" in items["workers"].fix
    cache.set(deploycheck.SWEEP_KEY, 0, timeout=60)  # a sweep long ago: the beat is down
    assert not _by_name()["beat"].ok
    import time

    cache.set(deploycheck.SWEEP_KEY, time.time(), timeout=60)
    assert _by_name()["beat"].ok


def test_a_site_that_does_not_answer_fails_the_web_item():
    items = {item.name: item for item in deploycheck.run(services=False, url="http://127.0.0.1:9")}
    assert not items["web"].ok
    assert "127.0.0.1:9/readyz" in items["web"].detail
    assert "lianxin-web@PORT" in items["web"].fix
    assert "web" not in {item.name for item in deploycheck.run(services=False)}
