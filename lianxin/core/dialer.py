"""Placing a call without showing the number: the hook for a sealed call-back contact.

An anonymous resident may leave a number for the call-back (回访) only. Staff never see it: the
platform hands it to the call centre's telephony (click-to-call / an outbound trunk), configured as
`LIANXIN["DIALER"]` = the dotted path of a class with `place_call(number, *, reference) -> str`
(returning the telephony's call id). The default `LoggingDialer` (demo and tests) records the call
in `outbox` and logs the reference only — never the number.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class Dialer(Protocol):
    def place_call(self, number: str, *, reference: str) -> str: ...


@dataclass(frozen=True)
class PlacedCall:
    call_id: str
    number: str
    reference: str


class LoggingDialer:
    """No telephony: remembers the call (for tests) and logs that it was placed, without the number."""

    outbox: list[PlacedCall] = []

    def place_call(self, number: str, *, reference: str) -> str:
        call_id = uuid.uuid4().hex[:12]
        LoggingDialer.outbox.append(PlacedCall(call_id, number, reference))
        logger.info("call %s placed for %s (number sealed)", call_id, reference)
        return call_id


def dialer() -> Dialer:
    path = settings.LIANXIN.get("DIALER") or "lianxin.core.dialer.LoggingDialer"
    return import_string(path)()  # type: ignore[no-any-return]
