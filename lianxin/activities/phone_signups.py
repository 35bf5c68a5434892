"""Signing up for an activity with a verified phone, without an account (issue 13).

The caller proves the phone first (`core.phoneverify`, the view passes `verified_phone(request)`);
the same capacity and waiting list hold as for accounts (`services.place_signup`, under the activity
row lock), one sign-up per phone and activity. The resident is told by SMS (confirmed or waiting,
moved up, reminded, the activity cancelled); each message carries the sign-up's link, which shows
it and cancels it without logging in. Phone sign-ups are checked in on the organiser's manual list,
and earn no volunteer hours (the ledger is per account).
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.crypto import phone_lookup_hash
from lianxin.core.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    TransitionNotAllowedError,
    ValidationFailedError,
)

from .events import Payload, record
from .models import Activity, EventType, Signup, SignupStatus
from .policy import may_sign_up_by_phone
from .services import _locked, cancel_locked, place_signup
from .sms import sms_to_signup

NAME_MAX = 50


def signup_create_by_phone(*, activity: Activity, phone: str, name: str) -> Signup:
    """Sign a verified phone up: a confirmed place while there is one, else the waiting list."""
    if not phone:
        raise ForbiddenError(_("请先验证手机号再报名。"), code="phone_required")
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise ValidationFailedError(
            _("请填写姓名（{n} 字以内），方便工作人员现场签到。").format(n=NAME_MAX), field="name"
        )
    phone_hash = phone_lookup_hash(phone)
    with transaction.atomic():
        locked = _locked(activity)
        if not may_sign_up_by_phone(locked):
            raise TransitionNotAllowedError(_("该活动当前不接受报名。"))
        now = timezone.now()
        if now >= locked.starts_at:
            raise TransitionNotAllowedError(_("活动已经开始，报名已截止。"))
        existing = Signup.objects.filter(activity=locked, phone_hash=phone_hash).first()
        if existing is not None and existing.status != SignupStatus.CANCELLED:
            raise ConflictError(
                _("这个手机号已报名该活动（{status}）。").format(status=existing.get_status_display()),
                code="already_signed_up",
            )
        signup = place_signup(
            locked,
            existing,
            now=now,
            phone=phone,
            phone_hash=phone_hash,
            name=name,
            token=existing.token if existing is not None else secrets.token_urlsafe(24),
        )
        confirmed = signup.status == SignupStatus.CONFIRMED
        record(
            EventType.SIGNED_UP if confirmed else EventType.WAITLISTED,
            actor=None,
            activity=locked,
            payload=Payload(to_status=signup.status, extra={"via": "phone", "signup": signup.pk}),
        )
        when = timezone.localtime(locked.starts_at).strftime("%m-%d %H:%M")
        text = (
            _("报名成功：{title}，{when} 在 {place}。查看或取消：").format(
                title=locked.title, when=when, place=locked.place
            )
            if confirmed
            else _("已进入候补：{title}。有人取消时会自动转正并短信通知您。查看或取消：").format(
                title=locked.title
            )
        )
        transaction.on_commit(lambda: sms_to_signup(signup, text))
    return signup


def signup_by_token(token: str) -> Signup:
    signup = (
        Signup.objects.select_related("activity__area")
        .filter(token=(token or "")[:40], user__isnull=True)
        .first()
        if token
        else None
    )
    if signup is None:
        raise NotFoundError(_("这个报名链接无效，请核对短信中的链接。"))
    return signup


def signup_cancel_by_token(*, token: str) -> Signup:
    """The resident cancels from the link in the SMS; the waiting list moves up automatically."""
    found = signup_by_token(token)
    with transaction.atomic():
        activity = _locked(found.activity_id)
        signup = Signup.objects.select_for_update().get(pk=found.pk)
        cancel_locked(
            activity, signup, actor=None, payload=Payload(extra={"via": "phone", "signup": signup.pk})
        )
    return signup


def signup_of_phone(activity: Activity, phone: str | None) -> Signup | None:
    """The live phone sign-up of this (verified) phone for the activity, for its page."""
    if not phone:
        return None
    return (
        Signup.objects.filter(activity=activity, phone_hash=phone_lookup_hash(phone))
        .exclude(status=SignupStatus.CANCELLED)
        .first()
    )
