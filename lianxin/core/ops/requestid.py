"""A request id on every request, response and log line.

The id comes from `X-Request-ID` when a trusted proxy sent one (so the proxy's and our logs join
up), else a new one is made. It is kept in a context variable that the log filter reads.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from lianxin.core.ratelimit import _is_trusted, trusted_proxies

_current: contextvars.ContextVar[str] = contextvars.ContextVar("lianxin_request_id", default="-")
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEADER = "X-Request-ID"


def current_request_id() -> str:
    return _current.get()


def _incoming(request: HttpRequest) -> str | None:
    given = request.headers.get(HEADER, "")
    networks = trusted_proxies()
    if (
        given
        and _VALID.match(given)
        and networks
        and _is_trusted(request.META.get("REMOTE_ADDR", ""), networks)
    ):
        return given
    return None


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = _incoming(request) or uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (\"-\" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True
