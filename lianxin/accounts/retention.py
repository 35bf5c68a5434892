"""Login records (django-axes: failed attempts and the access log with addresses) kept 90 days."""

from __future__ import annotations

import datetime as dt

from lianxin.core.retention import RetentionKind, register


def _count(cutoff: dt.datetime) -> int:
    from axes.models import AccessAttempt, AccessLog

    return AccessAttempt.objects.filter(attempt_time__lt=cutoff).count() + AccessLog.objects.filter(
        attempt_time__lt=cutoff
    ).count()


def _purge(cutoff: dt.datetime) -> int:
    from axes.models import AccessAttempt, AccessLog

    attempts = AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()[0]
    return attempts + AccessLog.objects.filter(attempt_time__lt=cutoff).delete()[0]


def register_kinds() -> None:
    register(RetentionKind("login_records", "login attempts and access log (addresses)", 90, _count, _purge))
