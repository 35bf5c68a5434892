"""Retention of residents' contact details on finished appeals (registered with core/retention.py).

After the period (default three years after the case was closed, withdrawn or merged) the case
stays — its category, area, dates, the handling and the rating still count in every figure — but
who raised it does not: the name, the phone, the link to the resident's account and any mobile
number typed into the text or the timeline's notes are erased. Each batch is one audit entry.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from lianxin.audit.erasure import erase_in_batches
from lianxin.core.retention import RetentionKind

from .models import Appeal, AppealEvent, Status

FINISHED = (Status.CLOSED, Status.WITHDRAWN, Status.MERGED)
# mobiles and landlines with area code, as residents type them ("138 1234 5678", "021-62345678")
_PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}-?\d{7,8})(?!\d)")
ERASED = "[电话已删除]"


def redact(text: str) -> str:
    return _PHONE.sub(ERASED, text or "")


BATCH = 500


def _past(cutoff: dt.datetime) -> QuerySet[Appeal]:
    identified = (
        ~Q(contact_name="") | ~Q(contact_phone="") | ~Q(callback_sealed="") | Q(resident__isnull=False)
    )
    return (
        Appeal.objects.filter(status__in=FINISHED)
        .annotate(finished_at=Coalesce("closed_at", "submitted_at"))
        .filter(identified, finished_at__lt=cutoff)
    )


def count(cutoff: dt.datetime) -> int:
    return _past(cutoff).count()


def _erase(ids: list[int]) -> None:
    for appeal in Appeal.objects.filter(pk__in=ids).only("pk", "text", "title"):
        Appeal.objects.filter(pk=appeal.pk).update(
            contact_name="",
            contact_phone="",
            contact_phone_hash="",
            callback_sealed="",
            contact_consent=False,
            resident=None,
            text=redact(appeal.text),
            title=redact(appeal.title),
        )
    for event in AppealEvent.objects.filter(appeal_id__in=ids).exclude(note="").only("pk", "note"):
        cleaned = redact(event.note)
        if cleaned != event.note:
            AppealEvent.objects.filter(pk=event.pk).update(note=cleaned)


def purge(cutoff: dt.datetime) -> int:
    return erase_in_batches(
        kind="appeal_contact",
        object_type="appeal",
        cutoff=cutoff,
        pending=lambda: _past(cutoff),
        erase=_erase,
        batch=BATCH,
    )


KIND = RetentionKind(
    "appeal_contact", "residents' contact details on finished appeals", 3 * 365, count, purge
)
