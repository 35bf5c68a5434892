"""Public reads: published monthly reports, and their content without anything about a case.

A report's snapshot (reports.selectors.report_content) holds aggregate figures and also case
lists (tracking numbers, redacted titles), text hotspots (labels from residents' words) and the
lessons (free text). The public copy keeps only the aggregate sections."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from lianxin.core.errors import NotFoundError
from lianxin.reports.models import Report, ReportStatus

PUBLIC_SECTIONS = (
    "version",
    "period",
    "area",
    "totals",
    "previous_totals",
    "headline",
    "daily",
    "weekly",
    "by_category",
    "by_street",
    "by_unit",
    "ranking_month",
    "unit_ranking",
    "street_ranking",
    "recurring",
)


def published_reports() -> QuerySet[Report]:
    return Report.objects.filter(status=ReportStatus.PUBLISHED, period_kind="month").select_related("area")


def published_report(pk: int) -> Report:
    report = published_reports().filter(pk=pk).first()
    if report is None:
        raise NotFoundError("No published report with this number.")
    return report


def public_content(report: Report) -> dict[str, Any]:
    data = report.data or {}
    out = {k: data[k] for k in PUBLIC_SECTIONS if k in data}
    out["overdue"] = {
        "count": (data.get("overdue") or {}).get("count"),
        "open_now": (data.get("overdue") or {}).get("open_now"),
    }
    out["false_closures"] = {"count": (data.get("false_closures") or {}).get("count")}
    out["published_at"] = report.published_at.isoformat() if report.published_at else None
    out["report_version"] = report.version
    return out
