"""Turning a report snapshot into HTML, PDF (WeasyPrint) and XLSX (openpyxl).

The HTML document (`reports/document.html`) is the one source for the web view, the HTML
download and the PDF; charts are inline SVG drawn here. Why WeasyPrint: docs/adr/0006-report-rendering.md.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core.pdf import PdfUnavailableError as PdfUnavailableError  # re-exported for callers
from lianxin.core.pdf import html_to_pdf, pdf_unavailable

from . import charts
from .models import Report

HEADLINE_LABELS = {
    "received": gettext_lazy("受理量"),
    "response_rate": gettext_lazy("响应率"),
    "resolution_rate": gettext_lazy("解决率"),
    "satisfaction_rate": gettext_lazy("满意率"),
    "on_time_rate": gettext_lazy("按时办结率"),
    "overdue": gettext_lazy("超期件"),
    "returned": gettext_lazy("退单件"),
    "reopened": gettext_lazy("重办件"),
    "false_closures": gettext_lazy("虚假办结"),
}
CASE_REASONS = {
    "fast_satisfied": gettext_lazy("满意且办理迅速"),
    "false_closure": gettext_lazy("回访发现虚假办结"),
    "false_closures": gettext_lazy("回访发现虚假办结"),
    "overdue": gettext_lazy("超期未办结"),
    "dissatisfied": gettext_lazy("群众不满意"),
}
# What put a typical case into the period, beside its submission date (dates as YYYY-MM-DD).
CASE_EVENTS = {
    "fast_satisfied": gettext_lazy("{submitted} 受理，本期 {date} 评价满意"),
    "overdue": gettext_lazy("{submitted} 受理，本期 {date} 超期"),
    "dissatisfied": gettext_lazy("{submitted} 受理，本期 {date} 评价不满意"),
    "false_closure": gettext_lazy("{submitted} 受理，本期 {date} 回访发现虚假办结"),
    "false_closures": gettext_lazy("{submitted} 受理，本期 {date} 回访发现虚假办结"),
}
# The title as whole sentences: (period kind, for an area) -> template.
TITLES = {
    ("month", True): gettext_lazy("{area}{period}月度群众诉求办理评估报告"),
    ("quarter", True): gettext_lazy("{area}{period}季度群众诉求办理评估报告"),
    ("month", False): gettext_lazy("全区{period}月度群众诉求办理评估报告"),
    ("quarter", False): gettext_lazy("全区{period}季度群众诉求办理评估报告"),
    ("", True): gettext_lazy("{area}{period}群众诉求办理评估报告"),  # other periods: not generated today
    ("", False): gettext_lazy("全区{period}群众诉求办理评估报告"),
}


def _display(row: dict[str, Any]) -> dict[str, Any]:
    value, change = row["value"], row["change"]
    if row["measure"] == "rate":
        shown = f"{value * 100:.1f}%" if value is not None else "—"
        delta = _("{change}个百分点").format(change=f"{change:+.1f}") if change is not None else ""
    else:
        shown = str(value)
        delta = f"{change:+d}" if change is not None else ""
        if delta and row.get("relative") is not None:
            delta = _("{change}（{relative}%）").format(change=delta, relative=f"{row['relative']:+.1f}")
    previous = row["previous"]
    if row["measure"] == "rate":
        previous_shown = f"{previous * 100:.1f}%" if previous is not None else "—"
    else:
        previous_shown = str(previous)
    return {
        **row,
        "label": HEADLINE_LABELS.get(row["key"], row["key"]),
        "shown": shown,
        "delta": delta,
        "previous_shown": previous_shown,
    }


def title_of(report: Report) -> str:
    area = report.data.get("area")
    kind = report.period_kind if report.period_kind in ("month", "quarter") else ""
    template = TITLES[(kind, bool(area))]
    return str(template).format(area=area["name"] if area else "", period=report.period_label)


def case_when(case: dict[str, Any]) -> str:
    """ "Submitted on …, <event> on … in this period" for a typical case ('' for old snapshots)."""
    template = CASE_EVENTS.get(case.get("why", ""))
    if template is None or not case.get("event_date"):
        return ""
    return str(template).format(submitted=case.get("submitted") or "—", date=case["event_date"])


def _charts(data: dict[str, Any]) -> dict[str, str]:
    daily = data["daily"]
    weekly = data["weekly"]
    out = {
        "daily": charts.column_chart(
            [d["date"][5:] for d in daily],
            [(_("受理量"), [d["received"] for d in daily]), (_("办结量"), [d["closed"] for d in daily])],
            title=_("每日受理与办结"),
        ),
        "weekly": charts.column_chart(
            [_("{d}周").format(d=w["date"][5:]) for w in weekly],
            [
                (_("响应率"), [w["response"] for w in weekly]),
                (_("解决率"), [w["resolution"] for w in weekly]),
                (_("满意率"), [w["satisfaction"] for w in weekly]),
            ],
            title=_("每周主要指标（%）"),
            lines=True,
            max_value=100,
            label_every=1,
        ),
        "category": charts.bar_chart(
            [(r["label"], r["received"]) for r in data["by_category"][:10]], title=_("各类诉求受理量")
        ),
        "street": charts.bar_chart(
            [(r["label"], r["received"]) for r in data["by_street"][:12]], title=_("各街道受理量")
        ),
        "scores": charts.bar_chart(
            [(r["label"], r["score"] or 0) for r in data["unit_ranking"][:12]],
            title=_("单位考核得分"),
            max_value=100,
        ),
    }
    return {k: mark_safe(v) for k, v in out.items()}


def context_for(report: Report) -> dict[str, Any]:
    data = report.data
    ranking = data["unit_ranking"]
    best = ranking[:5]
    worst = list(reversed(ranking[-5:])) if len(ranking) > 5 else []
    cases = {
        kind: [{**c, "reason": CASE_REASONS.get(c["why"], c["why"]), "when": case_when(c)} for c in rows]
        for kind, rows in data["cases"].items()
    }
    return {
        "report": report,
        "data": data,
        "title": title_of(report),
        "headline": [_display(r) for r in data["headline"]],
        "charts": _charts(data),
        "best": best,
        "worst": worst,
        "cases": cases,
        "lessons_paragraphs": [p for p in report.lessons.split("\n") if p.strip()],
    }


def render_html(report: Report) -> str:
    """The standalone report document (also the PDF's source)."""
    return render_to_string("reports/document.html", context_for(report))


def pdf_unavailable_here() -> PdfUnavailableError | None:
    """`pdf_unavailable()`, checked only where this process is the one that renders (no broker:
    tasks run in-process). With a broker the worker finds out and records it; web processes
    neither import WeasyPrint (~3 s the first time) nor need Pango."""
    from lianxin.celery import app

    return pdf_unavailable() if app.conf.task_always_eager else None


def render_pdf(report: Report) -> bytes:
    """Render the PDF now, in the active language (1–5 s). The web never calls this in a request:
    it goes through `services.report_pdf_request` and the background task."""
    return html_to_pdf(render_html(report))


# --- Excel ------------------------------------------------------------------------------------------


DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"


def _width(value: Any) -> int:
    """Display width of a cell's text: a Han character (or other wide one) counts two."""
    if value is None:
        return 0
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _date(value: Any) -> Any:
    """A snapshot's 'YYYY-MM-DD' text as a real date cell (Excel sorts and filters dates)."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _sheet(wb: Any, title: str, header: list[str], rows: list[list[Any]]) -> Any:
    from openpyxl.styles import Font

    ws = wb.create_sheet(title[:31])
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_date(v) for v in row])
    for column in ws.iter_cols(min_row=1, max_row=ws.max_row):
        for cell in column[1:]:
            if isinstance(cell.value, dt.date):
                cell.number_format = DATE_FORMAT
        widest = max((_width(c.value) for c in column), default=0)
        ws.column_dimensions[column[0].column_letter].width = max(8, min(60, widest + 2))
    ws.freeze_panes = "A2"
    return ws


def _breakdown_rows(rows: list[dict[str, Any]], *, units: bool = False) -> list[list[Any]]:
    """Units take in what is dispatched to them (an appeal has no unit when it is received), so
    their 受理量 is their 派单量, this period and the previous one."""
    received, previous = ("assigned", "previous_assigned") if units else ("received", "previous_received")
    return [
        [
            r["label"],
            r[received],
            r["assigned"],
            r["closed"],
            r["overdue"],
            r["returned"],
            r.get("chased"),
            r["false_closures"],
            r["response"],
            r["resolution"],
            r["satisfaction"],
            r["on_time"],
            r.get(previous),
        ]
        for r in rows
    ]


def _case_reason(case: dict[str, Any]) -> str:
    if case["why"] == "overdue" and case.get("closed"):
        return str(_("超期办结"))  # went overdue in the period, closed (late) since
    return str(CASE_REASONS.get(case["why"], case["why"]))


def _case_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            _case_reason(c),
            c["tracking_number"],
            c["summary"],
            c["category"],
            c["area"],
            c["unit"],
            c["submitted"],
            c["closed"],
            c["due"],
            c["days"],
            c["status"],
            c["satisfaction"],
            c.get("event_date") or None,
        ]
        for c in rows
    ]


def render_xlsx(report: Report) -> bytes:
    """One sheet per section, with native Excel charts for the trend and the categories."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference

    data = report.data
    wb = Workbook()
    assert wb.active is not None  # a new workbook has one (active) sheet
    wb.remove(wb.active)
    headline = list(map(_display, data["headline"]))
    overview = _sheet(
        wb,
        _("概览"),
        [_("指标"), _("本期"), _("上期"), _("变化")],
        [[str(r["label"]), r["value"], r["previous"], r["delta"]] for r in headline],
    )
    for row, r in zip(overview.iter_rows(min_row=2, max_col=3), headline, strict=False):
        if r["measure"] == "rate":  # rates are stored as fractions and shown as percentages
            row[1].number_format = row[2].number_format = PERCENT_FORMAT
    overview.insert_rows(1, 2)
    overview["A1"] = title_of(report)
    overview["A2"] = _("统计周期：{start} 至 {last}；上期：{previous}").format(**data["period"])

    trend = _sheet(
        wb,
        _("每日趋势"),
        [_("日期"), _("受理量"), _("办结量"), _("超期件"), _("满意率%")],
        [[d["date"], d["received"], d["closed"], d["overdue"], d["satisfaction"]] for d in data["daily"]],
    )
    if data["daily"]:
        chart = LineChart()
        chart.title = _("每日受理与办结")
        chart.height, chart.width = 8, 18
        n = len(data["daily"]) + 1
        chart.add_data(Reference(trend, min_col=2, max_col=3, min_row=1, max_row=n), titles_from_data=True)
        chart.set_categories(Reference(trend, min_col=1, min_row=2, max_row=n))
        trend.add_chart(chart, "G2")
    _sheet(
        wb,
        _("每周趋势"),
        [_("周起始日"), _("受理量"), _("办结量"), _("响应率%"), _("解决率%"), _("满意率%")],
        [
            [w["date"], w["received"], w["closed"], w["response"], w["resolution"], w["satisfaction"]]
            for w in data["weekly"]
        ],
    )
    breakdown_header = [
        _("名称"),
        _("受理量"),
        _("派单量"),
        _("办结量"),
        _("超期件"),
        _("退单件"),
        _("催办件"),
        _("虚假办结"),
        _("响应率%"),
        _("解决率%"),
        _("满意率%"),
        _("按时办结率%"),
        _("上期受理量"),
    ]
    cats = _sheet(wb, _("分类"), breakdown_header, _breakdown_rows(data["by_category"]))
    if data["by_category"]:
        bar = BarChart()
        bar.type = "bar"
        bar.title = _("各类诉求受理量")
        bar.height, bar.width = 8, 16
        n = len(data["by_category"]) + 1
        bar.add_data(Reference(cats, min_col=2, min_row=1, max_row=n), titles_from_data=True)
        bar.set_categories(Reference(cats, min_col=1, min_row=2, max_row=n))
        cats.add_chart(bar, "N2")
    _sheet(wb, _("街道"), breakdown_header, _breakdown_rows(data["by_street"]))
    _sheet(wb, _("单位"), breakdown_header, _breakdown_rows(data["by_unit"], units=True))
    ranking_header = [
        _("名次"),
        _("名称"),
        _("得分"),
        _("扣分"),
        _("名次变化"),
        _("得分变化"),
        _("响应率%"),
        _("解决率%"),
        _("满意率%"),
        _("超期件"),
        _("虚假办结"),
    ]

    def ranking_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
        return [
            [
                r["rank"],
                r["label"],
                r["score"],
                r["deductions"],
                r["rank_change"],
                r["score_change"],
                r["response"],
                r["resolution"],
                r["satisfaction"],
                r["overdue"],
                r["false_closures"],
            ]
            for r in rows
        ]

    _sheet(wb, _("单位排名"), ranking_header, ranking_rows(data["unit_ranking"]))
    _sheet(wb, _("街道排名"), ranking_header, ranking_rows(data["street_ranking"]))
    case_header = [
        _("类型"),
        _("受理编号"),
        _("摘要"),
        _("类别"),
        _("区域"),
        _("承办单位"),
        _("受理日期"),
        _("办结日期"),
        _("办结时限"),
        _("用时（天）"),
        _("状态"),
        _("满意度"),
        _("计入本期的日期"),
    ]
    _sheet(wb, _("超期件"), case_header, _case_rows(data["overdue"]["cases"]))
    _sheet(wb, _("虚假办结"), case_header, _case_rows(data["false_closures"]["cases"]))
    hot_rows: list[list[Any]] = [
        [_("每月一题"), f"{r['category']} · {r['street']}", r["count"], r["previous"], r["growth"]]
        for r in data["recurring"]
    ]
    hot_rows += [
        [_("文本热点"), h["label"], h["size"], None, h["growth"]] for h in (data.get("text_hotspots") or [])
    ]
    _sheet(wb, _("热点"), [_("来源"), _("问题"), _("件数"), _("上期件数"), _("增长")], hot_rows)
    _sheet(wb, _("典型案例"), case_header, _case_rows(data["cases"]["good"] + data["cases"]["bad"]))
    _sheet(wb, _("经验与问题"), [_("经验与问题")], [[p] for p in report.lessons.split("\n") if p.strip()])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
