"""The client address behind a proxy: X-Forwarded-For believed only from proxies we trust."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from lianxin.core.ratelimit import client_ip


def _request(peer: str, forwarded: str | None = None):
    extra: dict[str, Any] = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.LIANXIN = {**settings.LIANXIN, "TRUSTED_PROXIES": []}
    assert client_ip(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("10.0.0.5", "198.51.100.7", "198.51.100.7"),  # our proxy says who it talked to
        ("10.0.0.5", "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # a forged first hop is not believed
        ("10.0.0.5", "198.51.100.7, 10.0.0.9", "198.51.100.7"),  # two of our proxies in a row
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),  # a stranger's header is ignored
        ("10.0.0.5", "", "10.0.0.5"),  # nothing forwarded: the proxy itself
        ("10.0.0.5", "not-an-ip", "10.0.0.5"),  # garbage never becomes the key
        ("10.0.0.5", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_trusted_proxy_chain_is_read_from_the_right(settings, peer, forwarded, expected):
    settings.LIANXIN = {**settings.LIANXIN, "TRUSTED_PROXIES": ["10.0.0.0/8"]}
    assert client_ip(_request(peer, forwarded)) == expected


def test_rate_limits_count_the_real_client_behind_the_proxy(settings, client):
    """Two residents behind the same proxy are two clients; one resident forging the header is one."""
    from django.core.cache import cache

    from lianxin.core.errors import RateLimitedError
    from lianxin.core.ratelimit import check_rate

    cache.clear()
    settings.LIANXIN = {**settings.LIANXIN, "TRUSTED_PROXIES": ["10.0.0.0/8"]}
    first = client_ip(_request("10.0.0.5", "198.51.100.1"))
    second = client_ip(_request("10.0.0.5", "198.51.100.2"))
    check_rate(f"t:{first}", "1/h")
    check_rate(f"t:{second}", "1/h")  # a different resident: not refused
    forged = client_ip(_request("10.0.0.5", "9.9.9.9, 198.51.100.1"))
    with pytest.raises(RateLimitedError):
        check_rate(f"t:{forged}", "1/h")
