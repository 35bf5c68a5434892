"""The volunteer hours ledger (志愿服务时长): entries from check-in/out, confirmation, verifiable totals.

Overlapping service is never counted twice: a person's total is the length of the union of their
confirmed intervals, so two events at the same time give the hours once.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import NotFoundError, ValidationFailedError
from lianxin.org.models import User

from .events import Payload, record
from .models import Activity, EventType, HoursEntry, HoursStatus, Organization, Signup
from .policy import Action, ensure_allowed

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 10


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def entry_from_signup(*, signup: Signup, activity: Activity) -> HoursEntry | None:
    """A pending ledger line for the time between check-in and check-out, within the activity."""
    assert signup.checked_in_at is not None
    assert signup.checked_out_at is not None
    if signup.user_id is None:  # signed up by phone, no account: nothing to credit
        return None
    started = max(signup.checked_in_at, activity.starts_at)
    ended = min(signup.checked_out_at, activity.ends_at)
    minutes = int((ended - started).total_seconds() // 60)
    if minutes <= 0:
        return None
    entry, _created = HoursEntry.objects.update_or_create(
        user_id=signup.user_id,
        activity=activity,
        defaults={
            "started_at": started,
            "ended_at": ended,
            "minutes": minutes,
            "organization": activity.organization,
            "status": HoursStatus.PENDING,
            "verification_code": new_verification_code(),
        },
    )
    return entry


def hours_confirm(
    *, actor: User, entry: HoursEntry, approve: bool = True, minutes: int | None = None
) -> HoursEntry:
    """The organiser confirms (or refuses) a ledger line, optionally correcting its minutes downwards."""
    with transaction.atomic():
        try:
            locked = HoursEntry.objects.select_for_update().select_related("activity__area").get(pk=entry.pk)
        except HoursEntry.DoesNotExist:
            raise NotFoundError(_("没有找到该时长记录。")) from None
        ensure_allowed(actor, locked.activity, Action.CONFIRM_HOURS)
        if minutes is not None:
            span = int((locked.ended_at - locked.started_at).total_seconds() // 60)
            if not 1 <= minutes <= span:
                raise ValidationFailedError(
                    _("时长应在 1 到 {n} 分钟之间（签到到签退的时间）。").format(n=span), field="minutes"
                )
            locked.minutes = minutes
            locked.ended_at = locked.started_at + dt.timedelta(minutes=minutes)
        before = locked.status
        locked.status = HoursStatus.CONFIRMED if approve else HoursStatus.REJECTED
        locked.confirmed_by, locked.confirmed_at = actor, timezone.now()
        locked.save()
        record(
            EventType.HOURS_CONFIRMED if approve else EventType.HOURS_REJECTED,
            actor=actor,
            activity=locked.activity,
            audit=True,
            payload=Payload(
                from_status=before,
                to_status=locked.status,
                subject_user_id=locked.user_id,
                extra={"minutes": locked.minutes, "entry": locked.pk},
            ),
        )
    return locked


# --- reads -----------------------------------------------------------------------------------------


def union_minutes(intervals: list[tuple[dt.datetime, dt.datetime]]) -> int:
    """The length of the union of the intervals, in whole minutes."""
    total = dt.timedelta()
    current_start: dt.datetime | None = None
    current_end: dt.datetime | None = None
    for start, end in sorted(intervals):
        if current_end is None or start > current_end:
            if current_end is not None and current_start is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        elif end > current_end:
            current_end = end
    if current_end is not None and current_start is not None:
        total += current_end - current_start
    return int(total.total_seconds() // 60)


@dataclass(frozen=True)
class Ledger:
    entries: list[HoursEntry]
    total_minutes: int  # confirmed, overlaps counted once
    pending_minutes: int

    @property
    def total_hours(self) -> float:
        return round(self.total_minutes / 60, 1)


def confirmed(qs: QuerySet[HoursEntry]) -> QuerySet[HoursEntry]:
    return qs.filter(status=HoursStatus.CONFIRMED)


def _intervals(qs: QuerySet[HoursEntry]) -> list[tuple[dt.datetime, dt.datetime]]:
    return list(confirmed(qs).values_list("started_at", "ended_at"))


def ledger_for(user: User) -> Ledger:
    entries = list(
        HoursEntry.objects.filter(user=user)
        .select_related("activity", "organization")
        .order_by("-started_at")
    )
    confirmed_spans = [(e.started_at, e.ended_at) for e in entries if e.status == HoursStatus.CONFIRMED]
    pending = sum(e.minutes for e in entries if e.status == HoursStatus.PENDING)
    return Ledger(entries=entries, total_minutes=union_minutes(confirmed_spans), pending_minutes=pending)


def organization_minutes(organization: Organization) -> int:
    """Service given through an organization: each member's overlaps counted once, then summed."""
    by_user: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    rows = confirmed(HoursEntry.objects.filter(organization=organization)).values_list(
        "user_id", "started_at", "ended_at"
    )
    for user_id, start, end in rows:
        by_user.setdefault(user_id, []).append((start, end))
    return sum(union_minutes(spans) for spans in by_user.values())


def entry_for_code(code: str) -> HoursEntry:
    """A confirmed entry by its verification code (the certificate's), for anyone to check."""
    code = (code or "").strip().upper()
    if not code or len(code) > 16:
        raise NotFoundError(_("没有找到该验证码对应的志愿服务记录。"))
    entry = (
        HoursEntry.objects.select_related("user", "activity", "organization")
        .filter(verification_code=code, status=HoursStatus.CONFIRMED)
        .first()
    )
    if entry is None:
        raise NotFoundError(_("没有找到该验证码对应的志愿服务记录。"))
    return entry


def pending_for(activity: Activity) -> QuerySet[HoursEntry]:
    return HoursEntry.objects.filter(activity=activity, status=HoursStatus.PENDING).select_related("user")
