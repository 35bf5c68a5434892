"""Sending and receiving text messages (短信) through a pluggable provider, the way
`core/dialer.py` places calls.

`LIANXIN["SMS_BACKEND"]` (env `LIANXIN_SMS_BACKEND`) is the dotted path of a class with
`send(number, text, *, reference) -> str` (returning the provider's message id), the shape of a
real provider's send API, and `parse_inbound(body, headers) -> InboundSms`, which authenticates a
provider's inbound-message callback (the resident's reply) and reads it — each provider signs
and shapes its callbacks its own way, so the backend that knows the provider checks them. The
default `LoggingSmsBackend` (demo) logs the reference only — never the number or the text — and
accepts inbound messages in a neutral signed form (`INBOUND_FORMAT`); `MemorySmsBackend` (tests)
also collects the sent messages in `outbox`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

SMS_MAX_LENGTH = 300  # a long message is split by the provider; ours stay well under this


INBOUND_TIMESTAMP_HEADER = "X-Lianxin-Timestamp"
INBOUND_SIGNATURE_HEADER = "X-Lianxin-Signature"
INBOUND_TOLERANCE_SECONDS = 300
INBOUND_MAX_BYTES = 4096
INBOUND_FORMAT = (
    'JSON {"from": "<the sender\'s number>", "text": "<the message>", "id": "<the provider\'s message id>"}, '
    "signed: X-Lianxin-Timestamp: <unix seconds>, X-Lianxin-Signature: sha256=<hex HMAC-SHA256 of "
    '"<timestamp>.<body>" with LIANXIN_SMS_INBOUND_SECRET>'
)


@dataclass(frozen=True)
class InboundSms:
    number: str
    text: str
    message_id: str


class InboundRefusedError(Exception):
    """The callback is not from the provider: no or a wrong signature, a stale timestamp, or the
    inbound webhook is not configured."""


class InboundMalformedError(ValueError):
    """Authenticated, but not a message this backend can read."""


class SmsBackend(Protocol):
    def send(self, number: str, text: str, *, reference: str) -> str: ...

    def parse_inbound(self, body: bytes, headers: Mapping[str, str]) -> InboundSms: ...


def inbound_signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _check_signature(body: bytes, headers: Mapping[str, str]) -> None:
    secret = str(settings.LIANXIN.get("SMS_INBOUND_SECRET") or "")
    if not secret:
        raise InboundRefusedError("LIANXIN_SMS_INBOUND_SECRET is not set: inbound messages are not accepted")
    try:
        ts = int(headers.get(INBOUND_TIMESTAMP_HEADER, ""))
    except ValueError:
        raise InboundRefusedError(f"{INBOUND_TIMESTAMP_HEADER} missing or not a number") from None
    if abs(time.time() - ts) > INBOUND_TOLERANCE_SECONDS:
        raise InboundRefusedError(
            f"{INBOUND_TIMESTAMP_HEADER} is more than {INBOUND_TOLERANCE_SECONDS} s away"
        )
    given = headers.get(INBOUND_SIGNATURE_HEADER, "")
    if not hmac.compare_digest(inbound_signature(secret, ts, body), given):
        raise InboundRefusedError(f"{INBOUND_SIGNATURE_HEADER} does not match")


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

    def parse_inbound(self, body: bytes, headers: Mapping[str, str]) -> InboundSms:
        """The neutral signed form (`INBOUND_FORMAT`)."""
        _check_signature(body, headers)
        if len(body) > INBOUND_MAX_BYTES:
            raise InboundMalformedError(f"body over {INBOUND_MAX_BYTES} bytes")
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            raise InboundMalformedError("body is not JSON") from None
        if not isinstance(data, dict):
            raise InboundMalformedError("body is not a JSON object")
        number, text, message_id = data.get("from"), data.get("text"), data.get("id", "")
        if not isinstance(number, str) or not number.strip() or len(number) > 30:
            raise InboundMalformedError('"from" must be the sender\'s number (at most 30 characters)')
        if not isinstance(text, str) or len(text) > SMS_MAX_LENGTH:
            raise InboundMalformedError(f'"text" must be a string of at most {SMS_MAX_LENGTH} characters')
        if not isinstance(message_id, str) or len(message_id) > 100:
            raise InboundMalformedError('"id" must be a string of at most 100 characters')
        if "\x00" in number + text + message_id:
            raise InboundMalformedError("NUL characters are not accepted")
        logger.info("sms %s received (%d characters)", message_id or "-", len(text))
        return InboundSms(number=number.strip(), text=text, message_id=message_id)


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
