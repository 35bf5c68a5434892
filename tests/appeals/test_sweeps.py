from __future__ import annotations

import datetime as dt
import os

import pytest
from django.utils import timezone

from lianxin.appeals.models import Appeal, EventType, Status
from lianxin.appeals.sweeps import sweep_deadlines
from lianxin.notifications.models import Notification

from .helpers import accepted, dispatched, replied


@pytest.mark.django_db
def test_overdue_due_soon_and_accept_overdue_are_flagged_once(
    district, settings, django_capture_on_commit_callbacks
):
    now = timezone.now()
    late = accepted(district, settings=settings)
    Appeal.objects.filter(pk=late.pk).update(resolve_due_at=now - dt.timedelta(hours=1))
    soon = accepted(district, settings=settings)
    Appeal.objects.filter(pk=soon.pk).update(resolve_due_at=now + dt.timedelta(hours=3))
    unaccepted = dispatched(district, settings=settings)
    Appeal.objects.filter(pk=unaccepted.pk).update(accept_due_at=now - dt.timedelta(minutes=5))
    calm = accepted(district, settings=settings)
    Appeal.objects.filter(pk=calm.pk).update(resolve_due_at=now + dt.timedelta(days=5))

    with django_capture_on_commit_callbacks(execute=True):
        counts = sweep_deadlines(now)
    assert counts == {
        "accept_overdue": 1,
        "due_soon": 1,
        "overdue": 1,
        "auto_closed": 0,
        "callback_queued": 0,
        "intake_follow_ups": 0,
    }
    assert Appeal.objects.get(pk=late.pk).overdue
    assert Appeal.objects.get(pk=soon.pk).due_soon
    assert Appeal.objects.get(pk=unaccepted.pk).accept_overdue
    assert not Appeal.objects.filter(pk=calm.pk, due_soon=True).exists()
    assert late.events.filter(type=EventType.OVERDUE, public=False).count() == 1
    assert Notification.objects.filter(user=district.handler_city, kind=EventType.OVERDUE).exists()
    # A second sweep finds nothing new.
    assert sweep_deadlines(now) == {
        "accept_overdue": 0,
        "due_soon": 0,
        "overdue": 0,
        "auto_closed": 0,
        "callback_queued": 0,
        "intake_follow_ups": 0,
    }


@pytest.mark.django_db
def test_late_reply_counts_as_overdue_even_without_a_sweep(district, settings):
    appeal = accepted(district, settings=settings)
    Appeal.objects.filter(pk=appeal.pk).update(resolve_due_at=timezone.now() - dt.timedelta(days=1))
    from lianxin.appeals import services
    from lianxin.appeals.actors import Actor

    services.appeal_reply(appeal=appeal, actor=Actor.staff(district.handler_city), text="已处理")
    appeal.refresh_from_db()
    assert appeal.overdue


@pytest.mark.django_db
def test_unrated_replies_close_automatically(district, settings):
    appeal = replied(district, settings=settings)
    Appeal.objects.filter(pk=appeal.pk).update(replied_at=timezone.now() - dt.timedelta(days=8))
    counts = sweep_deadlines()
    assert counts["auto_closed"] == 1
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
    assert appeal.satisfaction == ""


REDIS_URL = os.environ.get("LIANXIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture
def celery_on_redis():
    if not redis_available():
        if os.environ.get("LIANXIN_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required (LIANXIN_REQUIRE_REDIS=1) but not reachable at {REDIS_URL}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    from lianxin.celery import app

    saved = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}

    def reset_connections() -> None:
        # Drop pooled connections so the next use connects to the broker now configured.
        app._after_fork()  # type: ignore[attr-defined]  # private: forgets pooled broker connections, as after a worker fork
        app._backend_cache = None  # type: ignore[attr-defined]  # private, not in celery-types
        app._local.__dict__.pop("backend", None)  # type: ignore[attr-defined]  # private, not in celery-types

    reset_connections()
    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
    app.control.purge()  # messages left by an interrupted earlier run must not run first
    try:
        yield app
    finally:
        reset_connections()
        app.conf.update(**saved)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_deadline_sweep_runs_on_a_real_worker_through_redis(district, settings, celery_on_redis):
    from celery.contrib.testing.worker import start_worker

    from lianxin.appeals.tasks import sweep_deadlines as sweep_task

    appeal = accepted(district, settings=settings)
    Appeal.objects.filter(pk=appeal.pk).update(resolve_due_at=timezone.now() - dt.timedelta(hours=2))
    with start_worker(celery_on_redis, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = sweep_task.delay()
        counts = result.get(timeout=30)
    assert counts["overdue"] == 1
    assert Appeal.objects.get(pk=appeal.pk).overdue
