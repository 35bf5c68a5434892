"""Periodic work of community life: reminders the day before, unclaimed wishes escalated.

Both are idempotent (a reminder and an escalation are marked on their rows), so running the
sweep often, twice, or after a lost message never sends anything twice."""

from __future__ import annotations

from celery import shared_task

from .services import signups_send_reminders
from .wishes import wishes_escalate


def community_sweep() -> dict[str, int]:
    return {"reminders": signups_send_reminders(), "wishes_escalated": wishes_escalate()}


@shared_task(name="lianxin.activities.tasks.sweep")
def sweep() -> dict[str, int]:
    return community_sweep()
