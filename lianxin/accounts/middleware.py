"""Staff sessions: idle and absolute timeouts, and the second factor before any work.

Residents keep Django's ordinary session. A staff session that has been idle longer than
`LIANXIN["STAFF_IDLE_SECONDS"]` or is older than `LIANXIN["STAFF_ABSOLUTE_SECONDS"]` is ended, and
the request goes on signed out (pages that need a login send the person to it, with a note). A user
whose role needs two factors (`policy.needs_second_factor`) reaches nothing but the enrolment and
verification pages, the logout and the language switch until the session has proved one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import policy

AUTH_AT = "lx_auth_at"
SEEN_AT = "lx_seen_at"
EXPIRED_FLAG = "lx_session_expired"
SEEN_RESOLUTION = 30  # seconds: the idle clock is written at most this often
OPEN_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/accounts/login/",
    "/i18n/",
    "/static/",
    "/favicon.ico",
    "/healthz",
    "/readyz",
)


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and policy.is_staff_session(user):
            if self._expired(request):
                logout(request)
                request.session[EXPIRED_FLAG] = True
            elif policy.needs_second_factor(user) and not user.is_verified() and not self._open(request):
                return self._second_factor_required(request)
        return self.get_response(request)

    @staticmethod
    def _expired(request: HttpRequest) -> bool:
        now = int(time.time())
        session = request.session
        auth_at = session.setdefault(AUTH_AT, now)
        seen_at = session.get(SEEN_AT, now)
        limits = settings.LIANXIN
        if now - seen_at > limits["STAFF_IDLE_SECONDS"] or now - auth_at > limits["STAFF_ABSOLUTE_SECONDS"]:
            return True
        if now - seen_at >= SEEN_RESOLUTION or SEEN_AT not in session:
            session[SEEN_AT] = now
        return False

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        return request.path.startswith(OPEN_PREFIXES)

    @staticmethod
    def _second_factor_required(request: HttpRequest) -> HttpResponse:
        if request.path.startswith(("/api/", "/open311/")) or request.headers.get("Accept", "").startswith(
            "application/json"
        ):
            return JsonResponse(
                {
                    "error": "second_factor_required",
                    "message": _("此账号需要两步验证：请先在 /accounts/2fa/ 完成验证，或改用 API 密钥。"),
                },
                status=403,
            )
        target = "accounts:verify" if policy.has_second_factor(request.user) else "accounts:setup"
        from django.urls import reverse

        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
