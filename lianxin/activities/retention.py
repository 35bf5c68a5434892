"""Retention of community life's personal data (registered with core/retention.py).

- `activity_phone_signups`: a sign-up made with a verified phone instead of an account keeps the
  phone, the name on the roster and the link that shows it; 180 days (default) after the activity
  ended they are erased and the link stops working. The sign-up itself (status, check-in) stays for
  the figures and volunteer hours.
- `wish_contacts`: a small wish's beneficiary name and phone, one year (default) after the wish was
  closed or cancelled; the wish and its public text stay.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Concat

from lianxin.audit.erasure import erase_in_batches
from lianxin.core.retention import RetentionKind

from .models import Signup, Wish, WishStatus

SIGNUPS = "activity_phone_signups"
WISHES = "wish_contacts"
ERASED_PREFIX = "erased:"  # phone_hash of an erased phone sign-up: unique, matches no phone


def _signups_past(cutoff: dt.datetime) -> QuerySet[Signup]:
    return Signup.objects.filter(user__isnull=True, activity__ends_at__lt=cutoff).exclude(
        phone_hash__startswith=ERASED_PREFIX
    )


def _erase_signups(ids: list[int]) -> None:
    Signup.objects.filter(pk__in=ids).update(
        phone="",
        name="",
        token=None,
        phone_hash=Concat(Value(ERASED_PREFIX), F("pk"), output_field=CharField()),
    )


def signups_count(cutoff: dt.datetime) -> int:
    return _signups_past(cutoff).count()


def signups_purge(cutoff: dt.datetime) -> int:
    return erase_in_batches(
        kind=SIGNUPS,
        object_type="activity_signup",
        cutoff=cutoff,
        pending=lambda: _signups_past(cutoff),
        erase=_erase_signups,
    )


def _wishes_past(cutoff: dt.datetime) -> QuerySet[Wish]:
    return (
        Wish.objects.filter(status__in=(WishStatus.CLOSED, WishStatus.CANCELLED))
        .filter(~Q(beneficiary_name="") | ~Q(beneficiary_phone=""))
        .annotate(finished_at=Coalesce("closed_at", "created_at"))
        .filter(finished_at__lt=cutoff)
    )


def _erase_wishes(ids: list[int]) -> None:
    Wish.objects.filter(pk__in=ids).update(beneficiary_name="", beneficiary_phone="")


def wishes_count(cutoff: dt.datetime) -> int:
    return _wishes_past(cutoff).count()


def wishes_purge(cutoff: dt.datetime) -> int:
    return erase_in_batches(
        kind=WISHES,
        object_type="wish",
        cutoff=cutoff,
        pending=lambda: _wishes_past(cutoff),
        erase=_erase_wishes,
    )


KINDS = (
    RetentionKind(
        SIGNUPS, "phone sign-ups to activities (phone, name, link)", 180, signups_count, signups_purge
    ),
    RetentionKind(WISHES, "small wishes' beneficiary name and phone", 365, wishes_count, wishes_purge),
)
