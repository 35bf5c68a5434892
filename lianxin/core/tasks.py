"""Helpers to queue background work only after the surrounding transaction commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Queue a Celery task after commit. Without a broker the task runs in-process (eagerly)."""
    transaction.on_commit(lambda: task.delay(*args, **kwargs))
