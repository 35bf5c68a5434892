"""Reads from a streaming replica for the pages that only look (dashboards, reports, exports).

With `LIANXIN_REPLICA_DATABASE_URL` set, the alias "replica" exists and `ReplicaRouter` is
installed. Reads go to the replica only inside `reading_from_replica()` (or a view decorated with
`@replica_reads`) — everything else, and every write, stays on the primary, so a page that shows
what the user just did (read-after-write) never needs to know. Inside the block, a read made while
the primary has a transaction open (an audit entry reading the chain's head, a locked row) still
goes to the primary. A replica that does not answer or lags more than
`LIANXIN_REPLICA_MAX_LAG_SECONDS` (default 300) is not used. Without the setting everything is as before.
"""

from __future__ import annotations

import contextvars
import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, OperationalError, connections

REPLICA = "replica"
logger = logging.getLogger(__name__)
_active: contextvars.ContextVar[bool] = contextvars.ContextVar("lianxin_replica_reads", default=False)
F = TypeVar("F", bound=Callable[..., Any])


def configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def reading_from_replica() -> Iterator[None]:
    token = _active.set(True)
    try:
        yield
    finally:
        _active.reset(token)


def usable() -> bool:
    """A replica is configured, answers, and is at most LIANXIN_REPLICA_MAX_LAG_SECONDS behind."""
    if not configured():
        return False
    lag = lag_seconds()
    return lag is not None and lag <= float(settings.LIANXIN.get("REPLICA_MAX_LAG_SECONDS", 300))


def replica_reads(view: F) -> F:
    """Decorate a read-only view (put it below @login_required: the session is read on the primary).

    The view reads the replica when it is usable; a replica that is down or too far behind, or
    that fails during the view, leaves the view to the primary (a read-only view is safe to run
    again), so the page never breaks because of the replica."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not usable():
            return view(*args, **kwargs)
        try:
            with reading_from_replica():
                return view(*args, **kwargs)
        except OperationalError:
            logger.warning("The replica failed during %s; reading the primary", view.__name__, exc_info=True)
            return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _active.get() and configured() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same data on both

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS  # a replica is read-only: it follows the primary's schema


def lag_seconds() -> float | None:
    """How far the replica is behind (seconds, 0 when it has replayed all it received), or None
    without a replica or when it cannot be asked."""
    if not configured():
        return None
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
                "THEN 0 ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
            )
            recovering, lag = cursor.fetchone()
    except DatabaseError:
        return None
    return float(lag or 0) if recovering else 0.0


def status() -> dict[str, Any] | None:
    """For a page footer: {"lag": seconds or None} while reads come from a replica, else None."""
    if not (_active.get() and configured()):
        return None
    return {"lag": lag_seconds()}
