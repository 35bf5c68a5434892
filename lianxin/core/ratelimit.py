"""A fixed-window rate limiter on Django's cache (Redis in production).

A rate is "<count>/<unit>" with unit s, m, h or d ("20/h": 20 per clock hour). `check_rate` counts
one hit and refuses the hit that goes over. The refusal is `RateLimitedError`, with `retry_after`
(seconds until the window ends) for a `Retry-After` header and a message that says how long to
wait.
"""

from __future__ import annotations

import ipaddress
import math
import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .errors import RateLimitedError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    count, _sep, unit = rate.partition("/")
    return int(count), _UNITS[unit.strip()[0]]


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def trusted_proxies() -> tuple[Network, ...]:
    """The proxies whose X-Forwarded-For we believe (`LIANXIN_TRUSTED_PROXIES`, CIDRs)."""
    return _networks(tuple(settings.LIANXIN.get("TRUSTED_PROXIES", ())))


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request: HttpRequest) -> str:
    """The address the limits and logs count per client.

    The connection's peer (REMOTE_ADDR), unless that peer is a trusted proxy: then the
    X-Forwarded-For chain is read from the right, skipping trusted proxies, and the first address
    not ours is the client. A header sent by anyone else is ignored (it is trivially forged).
    """
    peer = request.META.get("REMOTE_ADDR", "") or "unknown"
    networks = trusted_proxies()
    if not networks or not _is_trusted(peer, networks):
        return peer
    chain = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(chain):
        if not _is_trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a garbled hop: fall back to the proxy itself, never to the text
    return chain[0] if chain else peer


def period_label(window: int) -> str:
    """ "每小时" for 3600: how the allowance is phrased ("{period}最多 {limit} 次")."""
    return {1: _("每秒"), 60: _("每分钟"), 3600: _("每小时"), 86400: _("每天")}[window]


def wait_label(seconds: int) -> str:
    """A wait in the largest unit that reads naturally, rounded up: "45 秒", "12 分钟", "3 小时"."""
    if seconds < 60:
        n = max(seconds, 1)
        return ngettext("{n} 秒", "{n} 秒", n).format(n=n)
    if seconds <= 2 * 3600:
        n = math.ceil(seconds / 60)
        return ngettext("{n} 分钟", "{n} 分钟", n).format(n=n)
    n = math.ceil(seconds / 3600)
    return ngettext("{n} 小时", "{n} 小时", n).format(n=n)


def _window(key: str, rate: str) -> tuple[str, int, int, int]:
    """(cache key of the current window, limit, window seconds, seconds until the window ends)."""
    limit, window = parse_rate(rate)
    now = time.time()
    bucket = int(now // window)
    left = max(math.ceil((bucket + 1) * window - now), 1)
    return f"rl:{key}:{bucket}", limit, window, left


def _refuse(limit: int, window: int, left: int, message: str | None) -> RateLimitedError:
    template = message or _(
        "提交过于频繁：{period}最多 {limit} 次。请稍后再试（{wait}后可再提交），或拨打热线。"
    )
    text = template.format(period=period_label(window), limit=limit, wait=wait_label(left))
    return RateLimitedError(text, retry_after=left)


def check_rate(key: str, rate: str, *, message: str | None = None) -> None:
    """Count one hit for `key`; raise RateLimitedError when the window's allowance is used up.

    `message` (already translated) may use {period}, {limit} and {wait}; the default speaks to
    residents submitting appeals.
    """
    cache_key, limit, window, left = _window(key, rate)
    cache.add(cache_key, 0, timeout=window + 5)
    try:
        hits = cache.incr(cache_key)
    except ValueError:
        cache.set(cache_key, 1, timeout=window + 5)
        hits = 1
    if hits > limit:
        raise _refuse(limit, window, left, message)
