"""Report pages: thin views that parse, authorise through `reports.policy` and call the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianxin.core.errors import ValidationFailedError
from lianxin.org.models import User
from lianxin.supervision.policy import require_overseer
from lianxin.supervision.selectors import Period

from . import policy, rendering, selectors, services
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
    j = require_overseer(user)
    page = Paginator(policy.reports_visible(user), PAGE_SIZE).get_page(request.GET.get("page"))
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
    j = require_overseer(user)
    area = policy.area_for_report(j, request.POST.get("area"))  # authorise (404 if not theirs) first
    text = (request.POST.get("period") or "").strip()
    period = Period.parse(text) if text else None
    if period is None or period.kind not in ("month", "quarter"):
        raise ValidationFailedError(
            _("报告按月或按季度生成，请填写例如 2026-10 或 2026-Q3。"), field="period"
        )
    report = services.report_generate(period=period, area=area, actor=user)
    messages.success(request, _("报告已生成（第 {v} 版，草稿）。").format(v=report.version))
    if _wants_json(request):  # the list page's script (site.js `progressForms`) opens it when ready
        return JsonResponse({"url": reverse("reports:detail", args=[report.pk]), "version": report.version})
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = policy.report_get_for_user(user, pk)
    context = rendering.context_for(report)
    context["versions"] = selectors.previous_reports(report).filter(pk__in=policy.reports_visible(user))
    context["pdf"] = selectors.report_pdf_status(report, translation.get_language())
    context["allowed"] = policy.report_allowed_actions(user, report)
    return render(request, "reports/detail.html", context)


@login_required
@require_POST
def report_lessons(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = policy.report_get_for_user(user, pk)
    services.report_update_lessons(report=report, actor=user, text=request.POST.get("lessons", ""))
    messages.success(request, _("“经验与问题”已保存。"))
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_POST
def report_publish(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = policy.report_get_for_user(user, pk)
    services.report_publish(report=report, actor=user)
    messages.success(request, _("报告已发布，内容已冻结。"))
    return redirect("reports:detail", pk=report.pk)


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def _pdf_state_json(report: Report, pdf: selectors.PdfStatus) -> dict[str, str]:
    return {
        "state": pdf.state,
        "error": pdf.error,
        "status_url": reverse("reports:pdf", args=[report.pk]),
        "download_url": reverse("reports:download", args=[report.pk, "pdf"]),
    }


@login_required
@require_http_methods(["GET", "POST"])
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the PDF's state in the reader's language (the fragment the report page polls with
    htmx, or JSON). POST: render it (again) in the background."""
    user = _user(request)
    report = policy.report_get_for_user(user, pk)
    language = translation.get_language()
    if request.method == "POST":
        services.report_pdf_request(report=report, actor=user, language=language)
        if not request.headers.get("HX-Request") and not _wants_json(request):
            return redirect("reports:detail", pk=report.pk)
    pdf = selectors.report_pdf_status(report, language)
    if _wants_json(request):
        return JsonResponse(_pdf_state_json(report, pdf))
    return render(request, "reports/_pdf_state.html", {"report": report, "pdf": pdf})


def _pdf_download(request: HttpRequest, user: User, report: Report) -> HttpResponse | FileResponse:
    """The stored PDF when it is current; otherwise start rendering it and say so (202), so a
    request never waits for WeasyPrint and a stale file is never served."""
    language = translation.get_language()
    filename = f"{report.file_stem}.pdf"
    pdf = selectors.report_pdf_status(report, language)
    if pdf.state != "ready":
        unavailable = rendering.pdf_unavailable_here()
        if unavailable is not None:
            raise unavailable  # 503 with the reason; HTML and Excel still work
        services.report_pdf_request(report=report, actor=user, language=language)
        # Without a broker the task has just run in-process, after the commit.
        pdf = selectors.report_pdf_status(report, language)
    if pdf.state == "ready" and pdf.file is not None:
        try:
            stream = pdf.file.open("rb")
        except FileNotFoundError:  # the file went missing from the media directory: render it again
            services.report_pdf_request(report=report, actor=user, language=language)
            pdf = selectors.report_pdf_status(report, language)
        else:
            return FileResponse(stream, as_attachment=True, filename=filename, content_type=FORMATS["pdf"])
    if pdf.state == "failed":
        status, message = 503, _("PDF 生成失败：{reason}").format(reason=pdf.error)
    else:
        status, message = 202, _("PDF 正在生成，请稍后刷新本页或返回报告页下载。")
    if _wants_json(request):
        response: HttpResponse = JsonResponse(
            {**_pdf_state_json(report, pdf), "message": message}, status=status
        )
    else:
        context = {"report": report, "pdf": pdf, "message": message, "title": rendering.title_of(report)}
        response = render(request, "reports/pdf_pending.html", context, status=status)
    if status == 202:
        response["Retry-After"] = "5"
    return response


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse | FileResponse:
    user = _user(request)
    report: Report = policy.report_get_for_user(user, pk)
    if fmt not in FORMATS:
        raise ValidationFailedError(
            _("不支持的格式“{fmt}”，可选：pdf、xlsx、html。").format(fmt=fmt), field="format"
        )
    if fmt == "pdf":
        return _pdf_download(request, user, report)
    filename = f"{report.file_stem}.{fmt}"
    if fmt == "xlsx" and report.xlsx:
        return FileResponse(
            report.xlsx.open("rb"), as_attachment=True, filename=filename, content_type=FORMATS[fmt]
        )
    body = rendering.render_xlsx(report) if fmt == "xlsx" else rendering.render_html(report).encode()
    response = HttpResponse(body, content_type=FORMATS[fmt])
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
