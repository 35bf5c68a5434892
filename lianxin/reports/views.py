"""Report pages: thin views that parse, authorise through the selectors and call the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lianxin.core.errors import ValidationFailed
from lianxin.org.models import User
from lianxin.supervision import selectors as sv
from lianxin.supervision.selectors import Period

from . import rendering, selectors, services
from .models import Report

PAGE_SIZE = 30
FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    j = sv.require_overseer(user)
    page = Paginator(selectors.reports_visible(user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "areas": selectors.areas_for_choice(j),
        "everything": j.everything,
        "default_period": Period.containing(Period.parse("").start).previous().label,
    }
    return render(request, "reports/list.html", context)


@login_required
@require_POST
def report_generate(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    j = sv.require_overseer(user)
    text = (request.POST.get("period") or "").strip()
    period = Period.parse(text) if text else None
    if period is None or period.kind not in ("month", "quarter"):
        raise ValidationFailed(_("报告按月或按季度生成，请填写例如 2026-10 或 2026-Q3。"), field="period")
    area = selectors.area_for_report(j, request.POST.get("area"))
    report = services.report_generate(period=period, area=area, actor=user)
    messages.success(request, _("报告已生成（第 {v} 版，草稿）。").format(v=report.version))
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = selectors.report_get_for_user(user, pk)
    context = rendering.context_for(report)
    context["versions"] = selectors.previous_reports(report).filter(pk__in=selectors.reports_visible(user))
    return render(request, "reports/detail.html", context)


@login_required
@require_POST
def report_lessons(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = selectors.report_get_for_user(user, pk)
    services.report_update_lessons(report=report, actor=user, text=request.POST.get("lessons", ""))
    messages.success(request, _("“经验与问题”已保存。"))
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_POST
def report_publish(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = selectors.report_get_for_user(user, pk)
    services.report_publish(report=report, actor=user)
    messages.success(request, _("报告已发布，内容已冻结。"))
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse | FileResponse:
    user = _user(request)
    report: Report = selectors.report_get_for_user(user, pk)
    if fmt not in FORMATS:
        raise ValidationFailed(_("不支持的格式“{fmt}”，可选：pdf、xlsx、html。").format(fmt=fmt), field="format")
    filename = f"{report.file_stem}.{fmt}"
    stored = {"pdf": report.pdf, "xlsx": report.xlsx}.get(fmt)
    if stored:
        return FileResponse(stored.open("rb"), as_attachment=True, filename=filename, content_type=FORMATS[fmt])
    if fmt == "pdf":
        body: bytes = rendering.render_pdf(report)
    elif fmt == "xlsx":
        body = rendering.render_xlsx(report)
    else:
        body = rendering.render_html(report).encode()
    response = HttpResponse(body, content_type=FORMATS[fmt])
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
