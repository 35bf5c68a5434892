"""Periodic work on appeals. Deadlines live in the database; the sweep finds them, so a lost broker
message or a restarted worker never loses one."""

from __future__ import annotations

from celery import shared_task

from .sweeps import sweep_deadlines as run_sweep


@shared_task(name="lianxin.appeals.tasks.sweep_deadlines")
def sweep_deadlines() -> dict[str, int]:
    return run_sweep()
