"""A resident's own data: download it, ask for its erasure."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lianxin.appeals.residents import resident_data_export, resident_erase
from lianxin.core.errors import DomainError


@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    data = resident_data_export(user=request.user)  # type: ignore[arg-type]
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="lianxin-my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def my_erase(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            error = _("请勾选确认框：删除后账号无法恢复。")
        else:
            try:
                count = resident_erase(user=request.user)  # type: ignore[arg-type]
            except DomainError as exc:
                error = exc.message
            else:
                logout(request)
                messages.success(
                    request, _("您的个人信息已删除（涉及 {n} 件诉求），账号已注销。").format(n=count)
                )
                return redirect("web:home")
    return render(
        request,
        "web/my_erase.html",
        {"error": error},
        status=409 if error and request.method == "POST" else 200,
    )
