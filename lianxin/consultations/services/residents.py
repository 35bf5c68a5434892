"""What the audience rules rely on: a phone verified by a one-time code, and the resident's home area.

The code goes out through the SMS channel; this deployment has no SMS gateway, so the channel is a
log line on the `lianxin.consultations.sms` logger (the console in the demo; a test reads it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailed
from lianxin.core.ratelimit import check_rate
from lianxin.org.models import Area, User

from ..models import PhoneCode, ResidentProfile

sms_log = logging.getLogger("lianxin.consultations.sms")
CODE_TTL = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
_PHONE_RE = re.compile(r"^1\d{10}$")


def _hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def phone_code_send(*, actor: User, phone: str) -> PhoneCode:
    phone = (phone or "").strip().replace(" ", "")
    if not _PHONE_RE.match(phone):
        raise ValidationFailed(_("请填写 11 位手机号码。"), field="phone")
    check_rate(f"consult-sms:{actor.pk}", "5/h")
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = PhoneCode.objects.create(user=actor, phone=phone, code_hash=_hash(code), expires_at=timezone.now() + CODE_TTL)
    sms_log.info("SMS to %s: 连心验证码 %s，10 分钟内有效。", phone, code)
    return row


def phone_code_verify(*, actor: User, code: str) -> ResidentProfile:
    """Check the latest code; a wrong one counts as an attempt (kept: the refusal does not roll it back)."""
    with transaction.atomic():
        row = (PhoneCode.objects.select_for_update()
               .filter(user=actor, used_at__isnull=True, expires_at__gt=timezone.now())
               .order_by("-created_at").first())
        if row is None or row.attempts >= MAX_ATTEMPTS:
            expired = True
        elif not hmac.compare_digest(row.code_hash, _hash((code or "").strip())):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            row = None
            expired = False
        else:
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
            profile, _created = ResidentProfile.objects.get_or_create(user=actor)
            profile.verified_phone, profile.phone_verified_at = row.phone, row.used_at
            profile.save(update_fields=["verified_phone", "phone_verified_at"])
            return profile
    if expired:
        raise ValidationFailed(_("验证码已失效，请重新获取。"), field="code")
    raise ValidationFailed(_("验证码不正确，请核对后重试。"), field="code")


def home_area_set(*, actor: User, area: Area) -> ResidentProfile:
    profile, _created = ResidentProfile.objects.get_or_create(user=actor)
    profile.home_area = area
    profile.save(update_fields=["home_area"])
    return profile
