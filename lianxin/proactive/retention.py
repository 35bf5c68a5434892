"""Retention of subscriptions made with a verified phone (registered with core/retention.py).

A phone subscription has no account behind it to review or cancel it from, so it lapses: two years
(default) after it was made it is deleted with its number. Subscribing again takes a minute (a new
one-time code). Subscriptions by account stay until the resident unsubscribes or erases the account.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from lianxin.audit.erasure import erase_in_batches
from lianxin.core.retention import RetentionKind

from .models import Subscription

KEY = "phone_subscriptions"


def _past(cutoff: dt.datetime) -> QuerySet[Subscription]:
    return Subscription.objects.filter(user__isnull=True, created_at__lt=cutoff)


def count(cutoff: dt.datetime) -> int:
    return _past(cutoff).count()


def _erase(ids: list[int]) -> None:
    Subscription.objects.filter(pk__in=ids).delete()


def purge(cutoff: dt.datetime) -> int:
    return erase_in_batches(
        kind=KEY, object_type="subscription", cutoff=cutoff, pending=lambda: _past(cutoff), erase=_erase
    )


KIND = RetentionKind(KEY, "subscriptions by verified phone (no account)", 2 * 365, count, purge)
