"""Retention of the parties' details on finished mediation cases (registered with core/retention.py).

Three years (default) after a case was closed, referred, withdrawn or declined, its parties' names,
phones, ID numbers and account links are erased; the case, its type, area, dates, sessions and
outcome stay and keep counting in every figure.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from lianxin.audit.erasure import erase_in_batches
from lianxin.core.retention import RetentionKind

from .models import OPEN_STATUSES, Party

KEY = "mediation_parties"


def _past(cutoff: dt.datetime) -> QuerySet[Party]:
    identified = ~Q(name="") | ~Q(phone_hash="") | ~Q(id_hash="") | Q(user__isnull=False)
    return (
        Party.objects.exclude(case__status__in=OPEN_STATUSES)
        .annotate(finished_at=Coalesce("case__closed_at", "case__opened_at"))
        .filter(identified, finished_at__lt=cutoff)
    )


def count(cutoff: dt.datetime) -> int:
    return _past(cutoff).count()


def _erase(ids: list[int]) -> None:
    Party.objects.filter(pk__in=ids).update(
        name="", phone="", phone_hash="", id_number="", id_hash="", user=None
    )


def purge(cutoff: dt.datetime) -> int:
    return erase_in_batches(
        kind=KEY, object_type="mediation_party", cutoff=cutoff, pending=lambda: _past(cutoff), erase=_erase
    )


KIND = RetentionKind(KEY, "parties' details on finished mediation cases", 3 * 365, count, purge)
