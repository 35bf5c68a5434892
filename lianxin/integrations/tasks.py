"""Webhook deliveries in the background: the first attempt after commit, retries by the sweep."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from lianxin.core.leases import exclusive

SWEEP_LEASE = "integrations.webhook-sweep"


@shared_task(name="lianxin.integrations.tasks.deliver")
def deliver(delivery_ids: list[int]) -> int:
    from .delivery import delivery_attempt

    return sum(1 for pk in delivery_ids if delivery_attempt(pk) is not None)


@shared_task(name="lianxin.integrations.tasks.sweep")
def sweep() -> dict[str, int]:
    from .delivery import deliveries_sweep

    with exclusive(SWEEP_LEASE, ttl=dt.timedelta(minutes=10)) as mine:
        if not mine:
            return {"skipped": 1}
        return deliveries_sweep()
