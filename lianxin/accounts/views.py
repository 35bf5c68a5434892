"""Second-factor pages: enrol an authenticator, prove a code, renew recovery codes."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from lianxin.core.errors import DomainError

from . import policy, services


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:staff_home")


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    device = services.totp_pending_device(user=request.user)
    error = None
    if request.method == "POST":
        try:
            codes = services.totp_enrol_confirm(
                request=request, user=request.user, token=request.POST.get("token", "")
            )
        except DomainError as exc:
            error = exc
        else:
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)})
    context = {
        "qr": segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#1f2937", light="#ffffff"),
        "secret": base64.b32encode(device.bin_key).decode("ascii").rstrip("="),
        "error": error,
        "next": _next(request),
        "required": policy.needs_second_factor(request.user),
    }
    return render(request, "accounts/setup.html", context, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    if not policy.has_second_factor(request.user):
        return redirect(f"{reverse('accounts:setup')}?next={_next(request)}")
    error = None
    if request.method == "POST":
        try:
            services.second_factor_verify(
                request=request, user=request.user, token=request.POST.get("token", "")
            )
        except DomainError as exc:
            error = exc
        else:
            return redirect(_next(request))
    return render(
        request,
        "accounts/verify.html",
        {"error": error, "next": _next(request)},
        status=getattr(error, "status_code", 200),
    )


@login_required
@require_http_methods(["GET", "POST"])
def recovery(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.user.is_verified():  # type: ignore[union-attr]
        codes = services.recovery_codes_renew(user=request.user)
        return render(
            request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("web:staff_home")}
        )
    left = services.recovery_codes_left(user=request.user)
    return render(request, "accounts/recovery.html", {"left": left})


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' answer to a locked-out login: what happened, how long to wait, whom to ask."""
    from django.conf import settings

    minutes = max(round(float(settings.AXES_COOLOFF_TIME) * 60), 1)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    response = render(request, "accounts/locked_out.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
