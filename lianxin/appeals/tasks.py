"""Periodic work on appeals. Deadlines live in the database; the sweep finds them, so a lost broker
message or a restarted worker never loses one. One sweep runs at a time across every worker (a
second beat by mistake queues it twice: the second copy skips); each flag is also set under the
appeal's row lock, so even overlapping sweeps never flag a deadline twice."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from lianxin.core.leases import exclusive

from .sweeps import sweep_deadlines as run_sweep

SWEEP_LEASE = "appeals.deadline-sweep"


@shared_task(name="lianxin.appeals.tasks.sweep_deadlines")
def sweep_deadlines() -> dict[str, int]:
    with exclusive(SWEEP_LEASE, ttl=dt.timedelta(minutes=10)) as mine:
        if not mine:
            return {"skipped": 1}
        return run_sweep()
