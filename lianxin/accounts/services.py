"""Second-factor enrolment and proof (django-otp: TOTP, and one-time recovery codes).

Each function is one whole change, audited (`AuditAction.SECURITY`); the web views only call them.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.errors import ValidationFailedError
from lianxin.core.ratelimit import check_rate

RECOVERY_CODES = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery"
# Six digits are a small space: ten wrong codes per user per hour, then a wait.
VERIFY_RATE = "10/h"
_TOKEN = re.compile(r"^[0-9a-z]{6,16}$")


def _clean_token(token: str) -> str:
    cleaned = re.sub(r"[\s-]", "", token or "").lower()
    if not _TOKEN.match(cleaned):
        raise ValidationFailedError(
            _("请输入验证器应用显示的 6 位数字，或一个恢复码。"), field="token", code="invalid_token"
        )
    return cleaned


def _audit(user: Any, event: str) -> None:
    audit_append(
        action=AuditAction.SECURITY, object_type="user", object_id=user.pk, actor=user, data={"event": event}
    )


def _count_attempt(user: Any) -> None:
    """One code tried (right or wrong) against the user's hourly allowance."""
    check_rate(
        f"otp-verify:{user.pk}",
        VERIFY_RATE,
        message=_("验证码错误次数过多：{period}最多 {limit} 次，请 {wait}后再试。"),
    )


def totp_pending_device(*, user: Any) -> TOTPDevice:
    """The authenticator being enrolled (created on first call; the secret stays until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, name=TOTP_NAME, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def _new_recovery_codes(user: Any) -> list[str]:
    StaticDevice.objects.filter(user=user, name=RECOVERY_NAME).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def totp_enrol_confirm(*, request: HttpRequest, user: Any, token: str) -> list[str]:
    """Confirm the pending authenticator with a code it shows; returns the new recovery codes
    (shown once). Any older authenticator is retired; the session counts as verified."""
    cleaned = _clean_token(token)
    _count_attempt(user)
    device = TOTPDevice.objects.filter(user=user, name=TOTP_NAME, confirmed=False).first()
    if device is None:
        raise ValidationFailedError(
            _("没有待绑定的验证器，请重新开始绑定。"), field="token", code="no_pending_device"
        )
    if not device.verify_token(cleaned):
        raise ValidationFailedError(
            _("验证码不正确。请确认手机时间准确，并输入验证器当前显示的 6 位数字。"),
            field="token",
            code="wrong_token",
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        _audit(user, "totp_enrolled")
    otp_login(request, device)
    return codes


def second_factor_verify(*, request: HttpRequest, user: Any, token: str) -> None:
    """Prove the second factor for this session with a TOTP code or a recovery code (used once)."""
    cleaned = _clean_token(token)
    _count_attempt(user)
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(cleaned):
            otp_login(request, device)
            return
    for recovery in StaticDevice.objects.filter(user=user, confirmed=True):
        if recovery.verify_token(cleaned):  # deletes the token: each code works once
            with transaction.atomic():
                _audit(user, "recovery_code_used")
            otp_login(request, recovery)
            return
    with transaction.atomic():
        _audit(user, "second_factor_failed")
    raise ValidationFailedError(_("验证码不正确，请重新输入。"), field="token", code="wrong_token")


def recovery_codes_renew(*, user: Any) -> list[str]:
    """New recovery codes (the old ones stop working); shown once."""
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        _audit(user, "recovery_codes_renewed")
    return codes


def recovery_codes_left(*, user: Any) -> int:
    left: int = StaticToken.objects.filter(device__user=user, device__name=RECOVERY_NAME).count()
    return left
