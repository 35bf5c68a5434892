"""Verified phones (手机验证码): the one place that proves a resident holds a phone number.

`code_send` texts a six-digit code through `core/sms.py` (the log backend in the demo; tests read
`MemorySmsBackend.outbox`); `code_verify` checks it. A code lives `CODE_TTL`, allows
`MAX_ATTEMPTS` wrong tries and works once; only its HMAC is stored, and the number is kept as a
keyed lookup hash plus an encrypted copy (never in the clear). Sending is rate-limited per number
and per client address. `purpose` keeps the codes of different features apart ("consultations",
"subscriptions", "activities"); `subject` ties a code to a signed-in account when there is one.

For residents without an account, `remember` keeps the verified number in the session (encrypted)
for `SESSION_TTL`, and `verified_phone` reads it back: the proof a page asks for before it
subscribes a phone or signs it up for an activity.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from .crypto import DecryptionFailedError, decrypt, encrypt, phone_lookup_hash
from .errors import ValidationFailedError
from .models import PhoneChallenge
from .phones import PhoneInvalidError, normalise_cn_phone
from .ratelimit import check_rate
from .sms import sms_send

CODE_TTL = dt.timedelta(minutes=10)
SESSION_TTL = dt.timedelta(minutes=30)
MAX_ATTEMPTS = 5
PHONE_RATE = "5/h"  # codes per number
CLIENT_RATE = "20/h"  # codes per client address
SESSION_KEY = "lianxin.verified_phone"
PURPOSES = frozenset({"consultations", "subscriptions", "activities"})


def _hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"otp:{code}".encode(), hashlib.sha256).hexdigest()


def normalise_mobile(raw: str) -> str:
    """An 11-digit mobile (a code cannot be texted to a landline), or ValidationFailedError saying why."""
    try:
        phone = normalise_cn_phone(raw)
    except PhoneInvalidError as error:
        raise ValidationFailedError(str(error), field="phone") from None
    if len(phone) != 11 or not phone.startswith("1"):
        raise ValidationFailedError(_("验证码只能发送到手机，请填写 11 位手机号码。"), field="phone")
    return phone


def code_send(*, phone: str, purpose: str, subject: str = "", client: str = "") -> PhoneChallenge:
    """Text a fresh code to `phone`; earlier unused codes of the same purpose and number stop working."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown verification purpose {purpose!r}")
    phone = normalise_mobile(phone)
    phone_hash = phone_lookup_hash(phone)
    message = _("验证码发送过于频繁：{period}最多 {limit} 次，请{wait}后再试。")
    check_rate(f"otp:phone:{phone_hash[:32]}", PHONE_RATE, message=message)
    if client:
        check_rate(f"otp:client:{client}", CLIENT_RATE, message=message)
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    with transaction.atomic():
        PhoneChallenge.objects.filter(
            expires_at__lt=now - dt.timedelta(days=1)
        ).delete()  # keep the table small
        PhoneChallenge.objects.filter(purpose=purpose, phone_hash=phone_hash, used_at__isnull=True).update(
            expires_at=now
        )
        row = PhoneChallenge.objects.create(
            purpose=purpose,
            subject=subject[:64],
            phone_hash=phone_hash,
            phone=phone,
            code_hash=_hash(code),
            created_at=now,
            expires_at=now + CODE_TTL,
        )
    minutes = int(CODE_TTL.total_seconds() // 60)
    sms_send(
        number=phone,
        reference=f"otp-{row.pk}",
        text=_("【连心】验证码 {code}，{minutes} 分钟内有效。请勿告诉他人。").format(
            code=code, minutes=minutes
        ),
    )
    return row


def code_verify(*, purpose: str, code: str, phone: str = "", subject: str = "") -> str:
    """The verified number (normalised) if `code` is the latest live code for `phone` (or, without a
    phone, for `subject`); a wrong code counts as an attempt, kept even though the call fails."""
    if not phone and not subject:
        raise ValueError("code_verify needs the phone or the subject")
    lookup = {"phone_hash": phone_lookup_hash(normalise_mobile(phone))} if phone else {"subject": subject}
    code = (code or "").strip()
    with transaction.atomic():
        row = (
            PhoneChallenge.objects.select_for_update()
            .filter(purpose=purpose, used_at__isnull=True, expires_at__gt=timezone.now(), **lookup)
            .order_by("-created_at", "-pk")
            .first()
        )
        if row is None or row.attempts >= MAX_ATTEMPTS:
            verified = None
            expired = True
        elif not (code.isdigit() and hmac.compare_digest(row.code_hash, _hash(code))):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            verified, expired = None, False
        else:
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
            verified, expired = row.phone, False
    if verified is not None:
        return verified
    if expired:
        raise ValidationFailedError(_("验证码已失效，请重新获取。"), field="code")
    raise ValidationFailedError(_("验证码不正确，请核对后重试。"), field="code")


# --- the proof kept in the session (residents without an account) ----------------------------------


def remember(request: HttpRequest, phone: str) -> None:
    request.session[SESSION_KEY] = {"p": encrypt(phone), "t": int(time.time())}


def forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def verified_phone(request: HttpRequest) -> str | None:
    """The number this browser proved within `SESSION_TTL`, or None."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or time.time() - int(data.get("t", 0)) > SESSION_TTL.total_seconds():
        return None
    try:
        return decrypt(str(data.get("p", ""))) or None
    except DecryptionFailedError:
        return None


def form_step(request: HttpRequest, *, purpose: str) -> str | None:
    """The two steps of the shared phone form (`core/phone_verify.html`): `step=send_code` texts a
    code to `phone`, `step=verify_code` checks `code` for that phone and remembers it. Returns what to
    tell the resident, None when the POST is not one of these steps; raises the domain errors."""
    from .ratelimit import client_ip

    step = request.POST.get("step", "")
    phone = request.POST.get("phone", "")[:40]
    if step == "send_code":
        code_send(phone=phone, purpose=purpose, client=client_ip(request))
        request.session[SESSION_KEY + ".pending"] = normalise_mobile(phone)
        return _("验证码已发送，{n} 分钟内有效。").format(n=int(CODE_TTL.total_seconds() // 60))
    if step == "verify_code":
        pending = phone or request.session.get(SESSION_KEY + ".pending", "")
        if not pending:
            raise ValidationFailedError(_("请先填写手机号并获取验证码。"), field="phone")
        remember(request, code_verify(purpose=purpose, phone=pending, code=request.POST.get("code", "")[:12]))
        request.session.pop(SESSION_KEY + ".pending", None)
        return _("手机号已验证。")
    return None


def pending_phone(request: HttpRequest) -> str:
    """The number a code was just sent to from this browser (to prefill the form), or ''."""
    return str(request.session.get(SESSION_KEY + ".pending", ""))
