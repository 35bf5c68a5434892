"""What /metrics reads about appeals when scraped: open work per status, and how far the sweep lags."""

from __future__ import annotations

import time
from collections.abc import Iterator

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from .models import Appeal, Status
from .sweeps import LAST_SWEEP_KEY

OPEN = (Status.SUBMITTED, Status.DISPATCHED, Status.RETURNED, Status.ACCEPTED, Status.REPLIED)


def scrape() -> Iterator[tuple[str, str, dict[str, str], float]]:
    depth = dict(Appeal.objects.filter(status__in=OPEN).values_list("status").annotate(n=Count("pk")))
    for status in OPEN:
        yield (
            "lianxin_appeals_open",
            "Open appeals by status (the queues' depth)",
            {"status": str(status)},
            float(depth.get(status, 0)),
        )
    unflagged = Appeal.objects.filter(
        status__in=[Status.DISPATCHED, Status.ACCEPTED], overdue=False, resolve_due_at__lt=timezone.now()
    ).count()
    yield (
        "lianxin_appeals_overdue_unflagged",
        "Past their deadline but not yet flagged by the sweep",
        {},
        float(unflagged),
    )
    last = cache.get(LAST_SWEEP_KEY)
    lag = time.time() - float(last) if last else -1.0
    yield (
        "lianxin_deadline_sweep_lag_seconds",
        "Seconds since the deadline sweep last finished (-1: never)",
        {},
        lag,
    )
