"""One run at a time of a periodic job, across every worker and every beat.

A second beat started by mistake (or a broker redelivering a task whose worker died) queues the
same job twice; both workers pick it up. `exclusive(name)` lets the first one run and tells the
other to skip. The lease is a database row taken with one conditional UPDATE, so it works through
PgBouncer in transaction mode (a PostgreSQL session advisory lock would not: the pooler hands the
server connection to someone else after each transaction) and on SQLite. A worker killed while
holding it blocks the job only until the lease expires. The jobs themselves stay idempotent
(row locks, watermarks): the lease saves the work, it is not the only guard.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import F
from django.utils import timezone

from .models import JobLease


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(name: str, *, ttl: dt.timedelta) -> str | None:
    """Take the lease `name` for `ttl` if nobody holds it; returns the holder token, or None."""
    now = timezone.now()
    JobLease.objects.get_or_create(name=name, defaults={"expires_at": now})
    holder = _holder()
    taken = JobLease.objects.filter(name=name, expires_at__lte=now).update(
        holder=holder, expires_at=now + ttl, runs=F("runs") + 1
    )
    return holder if taken else None


def release(name: str, holder: str) -> None:
    JobLease.objects.filter(name=name, holder=holder).update(holder="", expires_at=timezone.now())


@contextmanager
def exclusive(name: str, *, ttl: dt.timedelta = dt.timedelta(minutes=10)) -> Iterator[bool]:
    """`with exclusive("deadline-sweep") as mine:` — run the body only when `mine` is True."""
    holder = acquire(name, ttl=ttl)
    try:
        yield holder is not None
    finally:
        if holder is not None:
            release(name, holder)
