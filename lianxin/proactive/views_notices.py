"""Notice pages: the public list and page (no login), and the staff page that publishes a notice for
an area and a period and withdraws one. Views parse, authorise (policy) and call `notices.py`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianxin.core.errors import DomainError, ForbiddenError
from lianxin.org.models import Area, AreaLevel, User
from lianxin.org.selectors import area_subtree_q

from . import notices, policy
from .forms import NoticeForm, WithdrawForm
from .models import NoticeKind


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("area", "").strip()[:40]
    area = Area.objects.filter(code=code).first() if code else None
    kind = request.GET.get("kind", "")[:12]
    return render(
        request,
        "proactive/notices.html",
        {
            "notices": list(notices.notices_public(area=area, kind=kind)[:200]),
            "area": area,
            "kind": kind,
            "kinds": NoticeKind.choices,
            "areas": Area.objects.exclude(level=AreaLevel.GRID).order_by("path")[:300],
            "may_publish": policy.may_publish_notices(_user(request)),
        },
    )


@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "proactive/notice.html", {"notice": notices.notice_get_public(pk)})


def _publisher(request: HttpRequest) -> User:
    user = _user(request)
    if not policy.may_publish_notices(user):
        raise ForbiddenError(_("只有网格员、社区和街道工作人员以及有关单位可以发布通知公告。"))
    return user


@login_required
@require_http_methods(["GET", "POST"])
def notice_manage(request: HttpRequest) -> HttpResponse:
    """The notices this person may manage, and the form that publishes a new one."""
    user = _publisher(request)
    paths = policy.notice_area_paths(user)
    areas = Area.objects.order_by("path")
    if paths is not None:
        areas = areas.filter(area_subtree_q(paths, "path"))
    form = NoticeForm(request.POST or None, areas=areas)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                notice = notices.notice_publish(
                    actor=user,
                    kind=d["kind"],
                    title=d["title"],
                    body=d["body"],
                    area=d["area"],
                    category=d["category"],
                    starts_at=d["starts_at"],
                    ends_at=d["ends_at"],
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = error.status_code
            else:
                messages.success(request, _("已发布，已通知 {n} 位订阅者。").format(n=notice.notified))
                return redirect("proactive:notice_manage")
        else:
            status = 400
    return render(
        request,
        "proactive/notice_manage.html",
        {
            "form": form,
            "notices": list(notices.notices_managed(user)[:200]),
            "withdraw_form": WithdrawForm(),
        },
        status=status,
    )


@login_required
@require_POST
def notice_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    notice = notices.notice_get_managed(user, pk)  # 404 for absent and not-yours alike
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请写明撤回的原因（{n} 字以内）。").format(n=notices.REASON_MAX))
        return redirect("proactive:notice_manage")
    try:
        notices.notice_withdraw(actor=user, notice=notice, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已撤回，订阅者会收到撤回通知。"))
    return redirect("proactive:notice_manage")
