"""Periodic work on appeals. Deadlines live in the database; the sweep finds them, so a lost broker
message or a restarted worker never loses one. One sweep runs at a time across every worker (a
second beat by mistake queues it twice: the second copy skips); each flag is also set under the
appeal's row lock, so even overlapping sweeps never flag a deadline twice."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from lianxin.core.leases import exclusive

from .followups import follow_up_run
from .sweeps import sweep_deadlines as run_sweep

SWEEP_LEASE = "appeals.deadline-sweep"


@shared_task(name="lianxin.appeals.tasks.sweep_deadlines")
def sweep_deadlines() -> dict[str, int]:
    with exclusive(SWEEP_LEASE, ttl=dt.timedelta(minutes=10)) as mine:
        if not mine:
            return {"skipped": 1}
        return run_sweep()


@shared_task(name="lianxin.appeals.tasks.intake_follow_up")
def intake_follow_up(follow_up_id: int) -> bool:
    """An intake's SMS and unit notices, after its commit (`followups`); the sweep redoes a lost one."""
    return follow_up_run(follow_up_id)
