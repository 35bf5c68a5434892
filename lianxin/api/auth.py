"""Who is calling: an API token (`Authorization: Bearer <key>` or `X-Api-Key`), a browser session
(with CSRF on unsafe methods), or, on the public endpoints, nobody.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, APIKeyHeader, HttpBearer
from ninja.utils import check_csrf

from lianxin.org.models import User
from lianxin.org.services import api_token_authenticate

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _scope_for(request: HttpRequest) -> str:
    return "read" if request.method in SAFE_METHODS else "write"


class BearerToken(HttpBearer):
    """`Authorization: Bearer <key>`; an unknown or revoked key is refused with 403."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token:
            return None
        user = api_token_authenticate(token, scope=_scope_for(request))
        request.user = user
        return user


class ApiKeyHeader(APIKeyHeader):
    """`X-Api-Key: <key>`, for clients that cannot set the Authorization header."""

    param_name = "X-Api-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        if not key:
            return None
        user = api_token_authenticate(key, scope=_scope_for(request))
        request.user = user
        return user


class SessionCookie(APIKeyCookie):
    """The browser's Django session. CSRF is checked only when a session cookie is sent, so that
    anonymous clients without cookies can still call the public endpoints."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        unsafe = request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
        if key and self.csrf and unsafe and check_csrf(request) is not None:
            raise HttpError(403, "CSRF check Failed")
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user: User | AnonymousUser | None = getattr(request, "user", None)
        if key and user is not None and user.is_authenticated:
            return user
        return None


class _Anonymous:
    """The caller of a public endpoint who gave no credentials (truthy, so ninja accepts it)."""

    is_authenticated = False

    def __bool__(self) -> bool:
        return True


ANONYMOUS = _Anonymous()


def anonymous(request: HttpRequest) -> Any:
    return ANONYMOUS


STAFF_AUTH = [BearerToken(), ApiKeyHeader(), SessionCookie()]
PUBLIC_AUTH = [*STAFF_AUTH, anonymous]


def caller(request: HttpRequest) -> User | None:
    """The authenticated user, or None for an anonymous caller of a public endpoint."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, User) else None
