"""Retention: how long each kind of personal data is kept, and the job that erases what is past it.

PIPL Art. 19: personal information is kept no longer than its purpose needs. Each domain app
registers the kinds it holds (`register`) with a default period and two functions — how many
records are past a cutoff, and erase/anonymise them — so this lower layer never imports the apps.
Periods are set per kind with `LIANXIN_RETENTION_DAYS` ("appeal_contact=1095,notifications=365").
`lianxin retention [--dry-run]` runs it by hand; Celery beat runs it daily.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone


@dataclass(frozen=True)
class RetentionKind:
    key: str
    label: str
    default_days: int
    count: Callable[[dt.datetime], int]
    purge: Callable[[dt.datetime], int]


@dataclass(frozen=True)
class RetentionResult:
    key: str
    label: str
    days: int
    cutoff: dt.datetime
    affected: int


_KINDS: dict[str, RetentionKind] = {}


def register(kind: RetentionKind) -> None:
    _KINDS[kind.key] = kind


def kinds() -> list[RetentionKind]:
    return [_KINDS[k] for k in sorted(_KINDS)]


def retention_days(kind: RetentionKind) -> int:
    return int(settings.LIANXIN.get("RETENTION_DAYS", {}).get(kind.key, kind.default_days))


def retention_run(*, dry_run: bool = False, now: dt.datetime | None = None) -> list[RetentionResult]:
    """Erase or anonymise every kind's records older than its period (or only count them)."""
    now = now or timezone.now()
    results = []
    for kind in kinds():
        days = retention_days(kind)
        cutoff = now - dt.timedelta(days=days)
        affected = kind.count(cutoff) if dry_run else kind.purge(cutoff)
        results.append(RetentionResult(kind.key, kind.label, days, cutoff, affected))
    return results


def _expired_sessions_count(cutoff: dt.datetime) -> int:
    from django.contrib.sessions.models import Session

    return Session.objects.filter(expire_date__lt=timezone.now()).count()


def _expired_sessions_purge(cutoff: dt.datetime) -> int:
    from django.contrib.sessions.models import Session

    deleted, _detail = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


register(RetentionKind("sessions", "expired sessions", 0, _expired_sessions_count, _expired_sessions_purge))


def _phone_challenges(cutoff: dt.datetime) -> Any:
    from .models import PhoneChallenge

    return PhoneChallenge.objects.filter(expires_at__lt=cutoff)


def _phone_challenges_purge(cutoff: dt.datetime) -> int:
    deleted, _detail = _phone_challenges(cutoff).delete()
    return int(deleted)


# one-time phone codes (core/phoneverify.py): the encrypted number and the hashes of code and number
register(
    RetentionKind(
        "phone_challenges",
        "one-time phone codes (number encrypted)",
        30,
        lambda cutoff: _phone_challenges(cutoff).count(),
        _phone_challenges_purge,
    )
)
