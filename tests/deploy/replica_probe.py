"""Run by test_replica.py in a process whose settings have a replica (LIANXIN_REPLICA_DATABASE_URL):
the dashboard's overdue list with the replica's replay paused, then resumed. Prints one JSON line."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time
from collections.abc import Callable

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from lianxin.appeals.models import Appeal  # noqa: E402
from lianxin.core.replicas import reading_from_replica  # noqa: E402
from tests.appeals.helpers import dispatched  # noqa: E402
from tests.factories import District  # noqa: E402


def on_replica(sql: str) -> object:
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def wait(what: str, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 20
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out: {what}")
        time.sleep(0.1)


def overdue(district: District) -> Appeal:
    appeal = dispatched(district)
    Appeal.objects.filter(pk=appeal.pk).update(
        overdue=True, resolve_due_at=timezone.now() - dt.timedelta(hours=1)
    )
    return appeal


def page(client: Client) -> tuple[int, str]:
    answer = client.get("/supervision/")
    return answer.status_code, answer.content.decode()


if sys.argv[1:] == ["dead"]:  # LIANXIN_REPLICA_DATABASE_URL points at nothing
    district = District()
    only = overdue(district)
    client = Client()
    with override_settings(AXES_ENABLED=False):
        client.force_login(district.supervisor)
    status, body = page(client)
    print(
        json.dumps(
            {"status": status, "shows": only.tracking_number in body, "notice": "数据来自只读副本" in body}
        )
    )
    raise SystemExit(0)

district = District()
first = overdue(district)
wait(
    "the replica has the first appeal",
    lambda: on_replica("SELECT count(*) FROM appeals_appeal WHERE overdue") == 1,
)
client = Client()
with override_settings(AXES_ENABLED=False):  # force_login has no client address for django-axes
    client.force_login(district.supervisor)
on_replica("SELECT pg_wal_replay_pause()::text")
second = overdue(district)  # on the primary only, while the replica stands still
time.sleep(1.5)
status_paused, paused = page(client)
counts = {"outside": Appeal.objects.filter(overdue=True).count()}  # no block: the primary
with reading_from_replica():
    counts["replica"] = Appeal.objects.filter(overdue=True).count()
    with transaction.atomic():  # a transaction is open on the primary: its reads stay there
        counts["in_transaction"] = Appeal.objects.filter(overdue=True).count()
with override_settings(LIANXIN={**settings.LIANXIN, "REPLICA_MAX_LAG_SECONDS": 0.5}):
    _status, too_far = page(client)  # the replica is further behind than allowed: the primary
on_replica("SELECT pg_wal_replay_resume()::text")
wait("the replica caught up", lambda: on_replica("SELECT count(*) FROM appeals_appeal WHERE overdue") == 2)
status_resumed, resumed = page(client)
lag = re.search(r'data-replica-lag="([^"]*)"', paused)
print(
    json.dumps(
        {
            "status": [status_paused, status_resumed],
            "primary_overdue": Appeal.objects.filter(overdue=True).count(),
            "paused_shows": [first.tracking_number in paused, second.tracking_number in paused],
            "resumed_shows": [first.tracking_number in resumed, second.tracking_number in resumed],
            "lag_paused": lag.group(1) if lag else None,
            "notice": "数据来自只读副本" in paused,
            "counts": counts,
            "too_far_shows": [first.tracking_number in too_far, second.tracking_number in too_far],
            "too_far_notice": "数据来自只读副本" in too_far,
        }
    )
)
