"""Webhook pages: a staff member's subscriptions (an administrator's: all), one subscription with
its delivery log, and resuming a paused endpoint. Creating and editing: /admin/ and the API-less
service `subscription_create`. Views parse, authorise, respond."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lianxin.org.models import User

from . import policy, services


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
@require_GET
def subscription_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    policy.ensure_may_manage_webhooks(user)
    return render(
        request,
        "integrations/list.html",
        {
            "subscriptions": services.subscriptions_visible_to(user)[:200],
            "is_admin": policy.is_admin(user),
        },
    )


@login_required
@require_GET
def subscription_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    policy.ensure_may_manage_webhooks(user)
    sub = services.subscription_get_for(user, pk)
    return render(
        request,
        "integrations/detail.html",
        {
            "sub": sub,
            "deliveries": services.deliveries_of(sub)[:100],
        },
    )


@login_required
@require_POST
def subscription_resume(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    policy.ensure_may_manage_webhooks(user)
    sub = services.subscription_get_for(user, pk)
    services.subscription_resume(actor=user, subscription=sub)
    messages.success(request, _("已恢复推送，未送达的事件将重新发送。"))
    return redirect("integrations:detail", pk=sub.pk)
