"""Where webhooks may connect: public addresses only, unless an operator lists an internal host.

A webhook URL is typed by an administrator, so without a guard it is a way to make the server
call its own neighbours (the metadata service at 169.254.169.254, Redis on 127.0.0.1, the
intranet) — server-side request forgery. The check runs twice: when a subscription is saved (a
clear error for an address that can never be reached) and at every connection, on the address
actually dialled, so a name that later resolves to an internal address (DNS rebinding) is refused
too. Redirects are not followed (delivery.py) and proxies from the environment are not used.

`LIANXIN_WEBHOOK_ALLOWED_HOSTS` (comma-separated host names, addresses or networks such as
`10.20.0.0/16`) admits internal receivers an operator vouches for, e.g. the city's data exchange.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from typing import Any

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class EgressRefusedError(OSError):
    """The destination is an internal address that is not on the allow-list."""


def _allowed_entries() -> tuple[set[str], list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    names: set[str] = set()
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for entry in settings.LIANXIN.get("WEBHOOK_ALLOWED_HOSTS", []) or []:
        entry = str(entry).strip().lower()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry.rstrip("."))
    return names, networks


def address_permitted(address: Address, host: str = "") -> bool:
    """A public (globally routable, not multicast) address, or one the allow-list admits."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    names, networks = _allowed_entries()
    if host and host.lower().rstrip(".") in names:
        return True
    if any(address in net for net in networks):
        return True
    return address.is_global and not address.is_multicast


def resolve_permitted(host: str, port: int) -> list[tuple[Any, ...]]:
    """The socket addresses of `host` that may be dialled; EgressRefusedError when there are none."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve {host}: {exc}") from exc
    permitted = [info for info in infos if address_permitted(ipaddress.ip_address(info[4][0]), host)]
    if not permitted:
        shown = ", ".join(sorted({str(info[4][0]) for info in infos}))
        raise EgressRefusedError(
            f"{host} resolves only to internal addresses ({shown}); "
            "list it in LIANXIN_WEBHOOK_ALLOWED_HOSTS if it is a trusted receiver"
        )
    return permitted


def destination_refusal(host: str) -> str | None:
    """Why a subscription to `host` can never be delivered, or None. A name that does not resolve
    yet is accepted (it is checked again at every connection)."""
    try:
        resolve_permitted(host, 443)
    except EgressRefusedError as exc:
        return str(exc)
    except OSError:
        return None
    return None


def _guarded_create_connection(
    address: tuple[str, int],
    timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
    source_address: Any = None,
    *args: Any,
    **kwargs: Any,
) -> socket.socket:
    host, port = address
    last: OSError | None = None
    for family, kind, proto, _name, sockaddr in resolve_permitted(host, port):
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)  # the address just checked, never a second lookup
        except OSError as exc:
            sock.close()
            last = exc
        else:
            return sock
    raise last or OSError(f"cannot connect to {host}")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_create_connection


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_create_connection


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


def guarded_opener(*handlers: urllib.request.BaseHandler) -> urllib.request.OpenerDirector:
    """An opener that dials only permitted addresses and ignores proxy settings."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _GuardedHTTPHandler, _GuardedHTTPSHandler, *handlers
    )
