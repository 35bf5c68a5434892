"""Case builders and actor sets of the URL access matrix (tests/test_url_matrix.py), shared with the
newer apps' entries (tests/matrix_apps.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.matrix_world import ACTORS, World

EVERYONE = frozenset(ACTORS)
SIGNED_IN = EVERYONE - {"anonymous"}
STAFF = SIGNED_IN - {"resident", "other_resident"}
NOBODY: frozenset[str] = frozenset()
OVERSEERS = frozenset({"supervisor", "leader_b", "admin"})
HANDLERS = frozenset({"handler_city", "handler_env"})
CALLERS = frozenset({"supervisor", "admin"})  # follow-up calls; street A's reports and orders
HOTLINE = frozenset({"operator", "dispatcher", "admin"})
DISPATCHERS = frozenset({"dispatcher", "admin"})
# Who may see the unit_city appeal in G1 (appeals_visible_to), and the unit_env one in G2.
SEE_CITY = frozenset({"operator", "dispatcher", "handler_city", "grid_a", "supervisor", "admin"})
SEE_ENV = frozenset({"operator", "dispatcher", "handler_env", "supervisor", "leader_b", "admin"})
# privacy.may_see_contact on the city appeal (consented): contact roles and its own unit's handler
CONTACT_CITY = frozenset({"operator", "dispatcher", "supervisor", "handler_city"})

LOGIN_PAGES = ("/accounts/login/", "/admin/login/")

W = World  # path and body builders take the world
Build = Callable[[W], Any]


@dataclass(frozen=True)
class Case:
    method: str  # "get" or "post"
    path: Build
    allowed: frozenset[str]
    body: Build | None = None
    bad_body: Build | None = None  # would not validate: the refused must still be refused
    api: bool = False  # authenticate with API tokens, JSON bodies
    ok_status: frozenset[int] = field(default_factory=frozenset)  # also success here (readyz: 503)
    get_405: bool = True  # a POST-only route answers GET with 405 (unless the path serves GET elsewhere)


def get(path: Build, allowed: frozenset[str], **kw: Any) -> Case:
    return Case("get", path, allowed, **kw)


def post(path: Build, allowed: frozenset[str], body: Build | None = None, **kw: Any) -> Case:
    return Case("post", path, allowed, body=body, **kw)


def aget(path: Build, allowed: frozenset[str], **kw: Any) -> Case:
    return Case("get", path, allowed, api=True, **kw)


def apost(path: Build, allowed: frozenset[str], body: Build, **kw: Any) -> Case:
    return Case("post", path, allowed, body=body, api=True, **kw)


def const(value: Any) -> Build:
    return lambda w: value
