"""`lianxin report`: writes the file, records a draft, and refuses bad input with exit code 2."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook
from pypdf import PdfReader

from lianxin.reports.models import PdfState, Report, ReportPdf, ReportStatus

pytestmark = pytest.mark.django_db


def test_pdf_for_a_month(october, tmp_path):
    out = io.StringIO()
    call_command("report", "--period", "2026-10", "--output", str(tmp_path / "r.pdf"), stdout=out)
    reader = PdfReader(tmp_path / "r.pdf")
    assert len(reader.pages) == 7
    assert "评估报告" in reader.pages[0].extract_text()
    assert "written to" in out.getvalue()
    report = Report.objects.get()
    assert report.is_draft
    assert report.area is None
    assert report.generated_by is None


def test_pdf_is_rendered_synchronously_and_kept_for_the_web(
    october, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        call_command(
            "report", "--period", "2026-10", "--output", str(tmp_path / "r.pdf"), stdout=io.StringIO()
        )
    assert queued == []  # nothing left to a background worker
    report = Report.objects.get()
    row = ReportPdf.objects.get(report=report)
    assert row.state == PdfState.READY
    assert row.language == "zh-hans"
    assert row.is_current_for(report)
    assert row.file.read() == (tmp_path / "r.pdf").read_bytes()


def test_area_quarter_xlsx_and_publish(october, tmp_path):
    call_command(
        "report",
        "--period",
        "2026-Q4",
        "--area",
        "S2",
        "--format",
        "xlsx",
        "--output",
        str(tmp_path / "q.xlsx"),
        "--publish",
        stdout=io.StringIO(),
    )
    wb = load_workbook(tmp_path / "q.xlsx")
    assert wb["概览"]["A1"].value == "西街道2026-Q4季度群众诉求办理评估报告"
    report = Report.objects.get()
    assert report.status == ReportStatus.PUBLISHED
    assert report.pdf
    assert report.xlsx


def test_html_default_output(october, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call_command("report", "--period", "2026-10", "--format", "html", stdout=io.StringIO())
    assert "<svg" in (tmp_path / "lianxin-report-2026-10-all-v1.html").read_text()


@pytest.mark.parametrize("period", ["2026-13", "2026-Q0", "10/2026", "", "2026-10-01..2026-10-07", "2099-01"])
def test_bad_period_is_exit_code_2(district, period, tmp_path):
    with pytest.raises(CommandError) as info:
        call_command("report", "--period", period, "--output", str(tmp_path / "x.pdf"))
    assert info.value.returncode == 2
    assert "2026" in str(info.value) or "周期" in str(info.value)
    assert Report.objects.count() == 0


def test_unknown_area_is_exit_code_2(district):
    with pytest.raises(CommandError) as info:
        call_command("report", "--period", "2026-10", "--area", "NOPE")
    assert info.value.returncode == 2
    assert "NOPE" in str(info.value)


def test_console_script_exit_code(district, tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "lianxin.cli", "report", "--period", "2026-13"],
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "lianxin.settings.test", "PATH": ""},
    )
    assert result.returncode == 2
    assert "统计周期格式不正确" in result.stderr
    assert "Traceback" not in result.stderr
