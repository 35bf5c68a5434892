"""Periodic supervision work: fold new events into the rollups (and sample follow-ups), evaluate
warnings, escalate supervision orders whose deadline passed, pre-render the default dashboards."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import shared_task
from django.utils import timezone

from lianxin.core.leases import exclusive

from . import alerts, dashboard, rollups, services

logger = logging.getLogger(__name__)
REFRESH_LEASE = "supervision.refresh"


def refresh(
    now: dt.datetime | None = None, *, settle_seconds: int = rollups.SETTLE_SECONDS
) -> dict[str, Any]:
    now = now or timezone.now()
    folded = rollups.process_events(now=now, settle_seconds=settle_seconds)
    warnings = alerts.evaluate_warnings(now)
    escalated = services.escalate_missed_orders(now)
    try:  # a failure to pre-render must not undo or hide the work above
        dashboards = dashboard.warm(now)
    except Exception:
        logger.exception("Pre-rendering the supervision dashboards failed")
        dashboards = -1
    return {
        "events": folded.events,
        "last_event_id": folded.last_id,
        "follow_ups_sampled": folded.sampled,
        "warnings_raised": warnings.raised,
        "warnings_cleared": warnings.cleared,
        "warnings_open": warnings.open,
        "orders_escalated": escalated,
        "dashboards_rendered": dashboards,
    }


@shared_task(name="lianxin.supervision.tasks.periodic_refresh")
def periodic_refresh() -> dict[str, Any]:
    """One refresh at a time across every worker: a copy queued by a second beat skips. (The fold
    is safe anyway — its watermark row is locked per batch — but warnings, escalations and the
    pre-rendered dashboards need not be done twice.)"""
    with exclusive(REFRESH_LEASE, ttl=dt.timedelta(minutes=20)) as mine:
        if not mine:
            return {"skipped": 1}
        return refresh()
