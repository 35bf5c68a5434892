"""HTML, PDF and XLSX renderings of a generated report."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from lianxin.reports import rendering, services
from lianxin.reports.services import SERVER
from lianxin.supervision.selectors import Period

pytestmark = pytest.mark.django_db

SECTIONS = 7  # overview, trends, breakdowns, rankings, findings, hotspots & cases, lessons


@pytest.fixture
def report(october):
    report = services.report_generate(period=Period.parse("2026-10"), area=None, actor=SERVER)
    return services.report_update_lessons(
        report=report,
        actor=SERVER,
        text="一、路灯报修集中在东街道。\n二、退单后重派耗时较长，需加强首派准确率。",
    )


def test_html(report, october):
    html = rendering.render_html(report)
    assert "全区2026-10月度群众诉求办理评估报告" in html
    assert html.count("<svg") == 5
    assert october.good.tracking_number in html
    assert october.overdue.tracking_number in html
    assert "退单后重派耗时较长" in html
    assert "13812341234" not in html
    assert "张三" not in html
    assert "66.7%" in html  # satisfaction rate


def test_pdf_pages_text_and_charts(report, tmp_path):
    pdf = rendering.render_pdf(report)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == SECTIONS
    first = reader.pages[0].extract_text()
    assert "群众诉求办理评估报告" in first
    assert "满意率" in first
    assert "66.7%" in first
    trends = reader.pages[1].extract_text()
    assert "每日受理与办结" in trends  # the chart's title, drawn as SVG text
    assert "路灯报修集中在东街道" in reader.pages[6].extract_text()
    (tmp_path / "report.pdf").write_bytes(pdf)
    if shutil.which("pdftotext"):
        out = subprocess.run(
            ["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, check=True
        )
        assert "城管局" in out.stdout.decode()


def test_xlsx(report, october):
    wb = load_workbook(io.BytesIO(rendering.render_xlsx(report)))
    assert wb.sheetnames == [
        "概览",
        "每日趋势",
        "每周趋势",
        "分类",
        "街道",
        "单位",
        "单位排名",
        "街道排名",
        "超期件",
        "虚假办结",
        "热点",
        "典型案例",
        "经验与问题",
    ]
    overview = {row[0]: row[1] for row in wb["概览"].iter_rows(min_row=4, values_only=True)}
    # numbers are stored as numbers: a count as an integer, a rate as a fraction shown as a percentage
    assert overview["受理量"] == 5
    assert overview["满意率"] == pytest.approx(2 / 3, abs=1e-3)
    cells = {row[0].value: row[1] for row in wb["概览"].iter_rows(min_row=4)}
    assert cells["满意率"].number_format == "0.0%"
    assert cells["受理量"].number_format == "General"
    # the same figures as the report's snapshot
    headline = {r["key"]: r["value"] for r in report.data["headline"]}
    assert overview["受理量"] == headline["received"]
    # a unit's 受理量 is what was dispatched to it (never the 0 of "received", which has no unit yet)
    units = {row[0]: row for row in wb["单位"].iter_rows(min_row=2, values_only=True)}
    for r in report.data["by_unit"]:
        assert units[r["label"]][1] == r["assigned"]
        assert r["assigned"] > 0
    # dates are dates, and columns are wide enough for their Chinese text
    first_overdue = next(wb["超期件"].iter_rows(min_row=2))
    assert isinstance(first_overdue[6].value, dt.datetime)
    assert first_overdue[6].number_format == "yyyy-mm-dd"
    width = wb["超期件"].column_dimensions["C"].width
    assert width >= 2 * max(len(str(c.value or "")) for c in wb["超期件"]["C"])
    for title in ("每日趋势", "分类"):
        assert len(wb[title]._charts) == 1  # type: ignore[attr-defined]  # a chart list, private in the stubs
    overdue = [row[1] for row in wb["超期件"].iter_rows(min_row=2, values_only=True)]
    assert overdue == [october.overdue.tracking_number, october.reopened.tracking_number]
    assert wb["经验与问题"]["A3"].value.startswith("二、退单后")


def test_english(report):
    from django.utils import translation

    with translation.override("en"):
        html = rendering.render_html(report)
    assert "<svg" in html


def test_an_overdue_case_closed_since_is_not_called_unfinished():
    case = {"why": "overdue", "closed": "2026-10-30"}
    assert rendering._case_reason(case) == "超期办结"
    assert rendering._case_reason({**case, "closed": ""}) == "超期未办结"
    assert rendering._case_reason({"why": "fast_satisfied", "closed": "2026-10-12"}) == "满意且办理迅速"
