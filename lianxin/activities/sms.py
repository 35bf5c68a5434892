"""Text messages to residents who signed up by phone without an account (core/sms.py): what the
notifications tell account holders, with the link to their sign-up (which shows and cancels it)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse

from lianxin.core.sms import SMS_MAX_LENGTH, sms_send

from .models import Signup

logger = logging.getLogger(__name__)


def signup_link(signup: Signup) -> str:
    base = str(settings.LIANXIN.get("PUBLIC_BASE_URL", "")).rstrip("/")
    return base + reverse("activities:phone_signup", args=[signup.token])


def sms_to_signup(signup: Signup, text: str) -> None:
    """One message to a phone sign-up, ending with its link; a provider failure is only logged."""
    if not signup.phone or not signup.token:
        return
    tail = f" {signup_link(signup)}"
    body = f"【连心】{text}"
    room = SMS_MAX_LENGTH - len(tail)
    if len(body) > room:
        body = body[: room - 1] + "…"
    try:
        sms_send(number=signup.phone, text=body + tail, reference=f"signup-{signup.pk}")
    except Exception:
        logger.exception("SMS to sign-up %s failed", signup.pk)
