"""A fixed-window rate limiter on Django's cache (Redis in production)."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from .errors import RateLimited

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    count, _, unit = rate.partition("/")
    return int(count), _UNITS[unit.strip()[0]]


def check_rate(key: str, rate: str) -> None:
    """Count one hit for `key`; raise RateLimited when the window's allowance is used up."""
    limit, window = parse_rate(rate)
    bucket = int(time.time() // window)
    cache_key = f"rl:{key}:{bucket}"
    cache.add(cache_key, 0, timeout=window + 5)
    try:
        hits = cache.incr(cache_key)
    except ValueError:
        cache.set(cache_key, 1, timeout=window + 5)
        hits = 1
    if hits > limit:
        raise RateLimited(
            _("提交过于频繁：每 {value} 分钟最多 {limit} 次。请稍后再试，或拨打热线。").format(
                value=window // 60 or 1, limit=limit
            )
        )
