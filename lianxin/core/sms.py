"""Sending text messages (短信) through a pluggable provider, the way `core/dialer.py` places calls.

`LIANXIN["SMS_BACKEND"]` (env `LIANXIN_SMS_BACKEND`) is the dotted path of a class with
`send(number, text, *, reference) -> str` (returning the provider's message id), the shape of a
real provider's send API. The default `LoggingSmsBackend` (demo) logs the reference only — never
the number or the text; `MemorySmsBackend` (tests) collects the messages in `outbox`.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

SMS_MAX_LENGTH = 300  # a long message is split by the provider; ours stay well under this


class SmsBackend(Protocol):
    def send(self, number: str, text: str, *, reference: str) -> str: ...


@dataclass(frozen=True)
class SentSms:
    message_id: str
    number: str
    text: str
    reference: str


class LoggingSmsBackend:
    """No provider: logs that a message went out, without the number or the text."""

    def send(self, number: str, text: str, *, reference: str) -> str:
        message_id = uuid.uuid4().hex[:12]
        logger.info("sms %s sent for %s (%d characters)", message_id, reference, len(text))
        return message_id


class MemorySmsBackend(LoggingSmsBackend):
    """Collects every message in `outbox` (tests, the demo's inspection)."""

    outbox: list[SentSms] = []

    def send(self, number: str, text: str, *, reference: str) -> str:
        message_id = super().send(number, text, reference=reference)
        MemorySmsBackend.outbox.append(SentSms(message_id, number, text, reference))
        return message_id


def sms_backend() -> SmsBackend:
    path = settings.LIANXIN.get("SMS_BACKEND") or "lianxin.core.sms.LoggingSmsBackend"
    return import_string(path)()  # type: ignore[no-any-return]


def sms_send(*, number: str, text: str, reference: str) -> str | None:
    """Send one message; a number-less call sends nothing. Refuses an over-long text."""
    if not number:
        return None
    if len(text) > SMS_MAX_LENGTH:
        raise ValueError(f"SMS text over {SMS_MAX_LENGTH} characters")
    return sms_backend().send(number, text, reference=reference)
