"""Periodic work of proactive governance (Celery beat daily; in-process in the embedded mode)."""

from __future__ import annotations

from celery import shared_task

from .services import proposals_generate


@shared_task(name="lianxin.proactive.tasks.propose")
def propose() -> dict[str, int]:
    return proposals_generate()
