"""Periodic work of outreach (Celery beat; in-process in the embedded mode, see `lianxin serve`)."""

from __future__ import annotations

from celery import shared_task

from .sweeps import sweep_coverage as run_sweep


@shared_task(name="lianxin.outreach.tasks.sweep_coverage")
def sweep_coverage() -> dict[str, int]:
    return run_sweep()
