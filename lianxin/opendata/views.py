"""Public open-data pages (no login): published monthly reports and the monthly appeal export."""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from lianxin.core.errors import DomainError, ValidationFailedError
from lianxin.worktime import calendar

from . import export, selectors


def _error(exc: DomainError) -> JsonResponse:
    return JsonResponse({"error": exc.message, "field": exc.field}, status=exc.status_code)


def _past_months(n: int = 12) -> list[str]:
    today = timezone.now().astimezone(calendar.TZ).date()
    first = today.replace(day=1)
    out = []
    for _ in range(n):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        out.append(first.strftime("%Y-%m"))
    return out


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "opendata/index.html",
        {
            "reports": selectors.published_reports()[:60],
            "months": _past_months(),
            "k": export.k_threshold(),
        },
    )


@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        report = selectors.published_report(pk)
    except DomainError as exc:
        return render(request, "opendata/error.html", {"message": exc.message}, status=exc.status_code)
    data = selectors.public_content(report)
    if request.GET.get("format") == "json":
        resp = HttpResponse(json.dumps(data, ensure_ascii=False, indent=1), content_type="application/json")
        resp["Content-Disposition"] = f'attachment; filename="{report.file_stem}-public.json"'
        return resp
    return render(request, "opendata/report.html", {"report": report, "data": data})


@require_GET
def dictionary(request: HttpRequest) -> HttpResponse:
    return HttpResponse(export.dictionary_json(), content_type="application/json")


@require_GET
def month_data(request: HttpRequest, month: str, fmt: str) -> HttpResponse:
    try:
        first = export.parse_month(month)
        if not export.is_past(first):
            raise ValidationFailedError(
                f"Only past months are published; {month} is not over yet.", field="month"
            )
        if fmt not in ("csv", "json", "daily.csv"):
            raise ValidationFailedError("Format must be csv, daily.csv or json.", field="format")
        data = export.build(month)
    except DomainError as exc:
        return _error(exc)
    stem = f"lianxin-appeals-{data['month']}"
    if fmt == "json":
        resp = HttpResponse(export.to_json(data), content_type="application/json")
        name = f"{stem}.json"
    elif fmt == "csv":
        resp = HttpResponse(export.to_csv(data), content_type="text/csv; charset=utf-8")
        name = f"{stem}.csv"
    else:
        resp = HttpResponse(export.daily_csv(data), content_type="text/csv; charset=utf-8")
        name = f"{stem}-daily.csv"
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp
