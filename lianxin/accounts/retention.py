"""Login records (django-axes: failed attempts and the access log with addresses) kept 90 days."""

from __future__ import annotations

import datetime as dt

from lianxin.core.retention import RetentionKind, register


def _count(cutoff: dt.datetime) -> int:
    from axes.models import AccessAttempt, AccessLog

    count: int = (
        AccessAttempt.objects.filter(attempt_time__lt=cutoff).count()
        + AccessLog.objects.filter(attempt_time__lt=cutoff).count()
    )
    return count


def _purge(cutoff: dt.datetime) -> int:
    from axes.models import AccessAttempt, AccessLog

    attempts: int = AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()[0]
    logs: int = AccessLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    return attempts + logs


def register_kinds() -> None:
    register(RetentionKind("login_records", "login attempts and access log (addresses)", 90, _count, _purge))
