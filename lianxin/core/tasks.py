"""Helpers to queue background work only after the surrounding transaction commits."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import transaction


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Queue a Celery task after commit. Without a broker the task runs in-process (eagerly)."""
    transaction.on_commit(lambda: task.delay(*args, **kwargs))


@shared_task(name="lianxin.core.tasks.retention_daily")
def retention_daily() -> dict[str, int]:
    """Celery beat, daily: erase what is past its retention period (core/retention.py)."""
    from .retention import retention_run

    return {r.key: r.affected for r in retention_run()}


@shared_task(name="lianxin.core.tasks.partitions_daily")
def partitions_daily() -> list[str]:
    """Celery beat, daily: next months' partitions ahead, the default partition emptied (PostgreSQL)."""
    from .partitions import ensure_partitions

    return ensure_partitions()
