"""Periodic work on mediation cases (the deadlines live in the database; the sweep finds them)."""

from __future__ import annotations

from celery import shared_task

from .sweeps import sweep_deadlines as run_sweep


@shared_task(name="lianxin.mediation.tasks.sweep_deadlines")
def sweep_deadlines() -> dict[str, int]:
    return run_sweep()
