"""The web pages: every role's access, generate → edit lessons → publish → frozen → new version."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from lianxin.audit.models import AuditEntry
from lianxin.reports.models import Report, ReportStatus
from lianxin.reports.services import SERVER, report_generate
from lianxin.supervision.selectors import Period

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_supervisor_generates_edits_and_publishes(
    client, district, october, django_capture_on_commit_callbacks
):
    c = login(client, district.supervisor)
    assert c.get("/reports/").status_code == 200
    response = c.post("/reports/generate/", {"period": "2026-10", "area": ""})
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reports/{report.pk}/"
    assert report.area == district.district
    assert report.status == ReportStatus.DRAFT
    assert report.version == 1
    page = c.get(f"/reports/{report.pk}/").content.decode()
    assert "示范区2026-10月度群众诉求办理评估报告" in page
    assert 'name="lessons"' in page
    assert october.good.tracking_number in page

    assert c.post(f"/reports/{report.pk}/lessons/", {"lessons": "首派准确率有待提高。"}).status_code == 302
    report.refresh_from_db()
    assert report.lessons == "首派准确率有待提高。"
    # regenerating a draft refreshes it in place and keeps the lessons
    c.post("/reports/generate/", {"period": "2026-10", "area": "D1"})
    assert Report.objects.count() == 1
    report.refresh_from_db()
    assert report.lessons == "首派准确率有待提高。"

    with django_capture_on_commit_callbacks(execute=True) as queued:  # the PDF renders after commit
        assert c.post(f"/reports/{report.pk}/publish/").status_code == 302
    assert len(queued) == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.PUBLISHED
    assert report.published_by == district.supervisor
    assert report.pdf.name
    assert report.xlsx.name
    assert report.pdf.name.endswith(".pdf")
    assert report.xlsx.name.endswith(".xlsx")
    page = c.get(f"/reports/{report.pk}/").content.decode()
    assert 'name="lessons"' not in page
    assert "首派准确率有待提高。" in page

    # published: frozen
    response = c.post(f"/reports/{report.pk}/lessons/", {"lessons": "改写"})
    assert response.status_code == 409
    assert "已发布" in response.content.decode()
    assert c.post(f"/reports/{report.pk}/publish/").status_code == 409
    report.refresh_from_db()
    assert report.lessons == "首派准确率有待提高。"

    # downloads serve the stored files
    pdf = c.get(f"/reports/{report.pk}/download.pdf")
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    xlsx = c.get(f"/reports/{report.pk}/download.xlsx")
    assert "经验与问题" in load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).sheetnames
    html = c.get(f"/reports/{report.pk}/download.html")
    assert html.status_code == 200
    assert "<svg" in html.content.decode()
    assert c.get(f"/reports/{report.pk}/download.docx").status_code == 400

    # regenerating after publication makes version 2, a new draft
    c.post("/reports/generate/", {"period": "2026-10", "area": "D1"})
    assert list(Report.objects.order_by("version").values_list("version", "status")) == [
        (1, ReportStatus.PUBLISHED),
        (2, ReportStatus.DRAFT),
    ]
    actions = list(AuditEntry.objects.filter(object_type="report").values_list("action", flat=True))
    assert actions == [
        "report.generated",
        "report.lessons_updated",
        "report.regenerated",
        "report.published",
        "report.generated",
    ]


def test_draft_downloads(client, district, october, django_capture_on_commit_callbacks):
    report = report_generate(
        period=Period.parse("2026-10"), area=district.street_a, actor=district.supervisor, queue_pdf=False
    )
    c = login(client, district.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        assert c.get(f"/reports/{report.pk}/download.pdf").status_code == 202  # rendered after the response
    pdf = c.get(f"/reports/{report.pk}/download.pdf")
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert pdf["Content-Disposition"].startswith("attachment;")
    xlsx = c.get(f"/reports/{report.pk}/download.xlsx")
    assert xlsx.status_code == 200
    assert "经验与问题" in load_workbook(io.BytesIO(xlsx.content)).sheetnames


@pytest.mark.parametrize("who", ["handler_city", "dispatcher", "grid_worker_a", "resident"])
def test_others_cannot_use_reports(client, district, october, who):
    report = report_generate(period=Period.parse("2026-10"), area=None, actor=SERVER)
    c = login(client, getattr(district, who))
    assert c.get("/reports/").status_code == 403
    assert c.post("/reports/generate/", {"period": "2026-10"}).status_code == 403
    assert c.get(f"/reports/{report.pk}/").status_code == 403
    assert c.post(f"/reports/{report.pk}/lessons/", {"lessons": "x"}).status_code == 403
    assert c.post(f"/reports/{report.pk}/publish/").status_code == 403
    assert c.get(f"/reports/{report.pk}/download.pdf").status_code == 403
    assert c.get(f"/reports/{report.pk}/pdf/").status_code == 403
    assert c.post(f"/reports/{report.pk}/pdf/").status_code == 403
    report.refresh_from_db()
    assert report.is_draft
    assert report.lessons == ""


def test_anonymous_is_sent_to_login(client, district):
    response = client.get("/reports/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_leader_stays_in_their_street(client, district, october):
    c = login(client, district.leader_b)
    east = report_generate(period=Period.parse("2026-10"), area=district.street_a, actor=SERVER)
    whole = report_generate(period=Period.parse("2026-10"), area=None, actor=SERVER)
    # generating outside the jurisdiction: the same 404 as an unknown area
    outside = c.post("/reports/generate/", {"period": "2026-10", "area": "S1"})
    unknown = c.post("/reports/generate/", {"period": "2026-10", "area": "NOPE"})
    assert outside.status_code == unknown.status_code == 404
    assert c.post("/reports/generate/", {"period": "2026-10", "area": "D1"}).status_code == 404
    for report in (east, whole):
        assert c.get(f"/reports/{report.pk}/").status_code == 404
        assert c.post(f"/reports/{report.pk}/lessons/", {"lessons": "x"}).status_code == 404
        assert c.post(f"/reports/{report.pk}/publish/").status_code == 404
        assert c.get(f"/reports/{report.pk}/download.xlsx").status_code == 404
        assert c.get(f"/reports/{report.pk}/download.pdf").status_code == 404
        assert c.post(f"/reports/{report.pk}/pdf/").status_code == 404
    assert c.get("/reports/99999/").status_code == 404
    # their own street (the default area) works, and sees only their street's appeals
    assert c.post("/reports/generate/", {"period": "2026-10"}).status_code == 302
    own = Report.objects.get(area=district.street_b)
    page = c.get(f"/reports/{own.pk}/").content.decode()
    assert october.reopened.tracking_number in page
    assert october.good.tracking_number not in page
    listing = c.get("/reports/").content.decode()
    assert f"/reports/{own.pk}/" in listing
    assert f"/reports/{east.pk}/" not in listing


@pytest.mark.parametrize(
    "period",
    ["2026-13", "2026-Q5", "abc", "", "2026-10-01..2026-10-15", "2099-01"],
)
def test_bad_periods_are_400(client, district, period):
    c = login(client, district.admin)
    response = c.post("/reports/generate/", {"period": period})
    assert response.status_code == 400
    assert Report.objects.count() == 0


def test_lessons_too_long(client, district, october):
    report = report_generate(period=Period.parse("2026-10"), area=None, actor=SERVER)
    response = login(client, district.admin).post(f"/reports/{report.pk}/lessons/", {"lessons": "字" * 10001})
    assert response.status_code == 400
    assert "10000" in response.content.decode()


def test_the_list_pages_script_gets_the_new_reports_address(client, district, october):
    """The list page sends the form in the background (site.js `progressForms`, Accept: JSON) and
    opens the report when it is ready; without the script the plain redirect stays."""
    c = login(client, district.supervisor)
    assert 'data-progress="' in c.get("/reports/").content.decode()
    response = c.post("/reports/generate/", {"period": "2026-10", "area": ""}, HTTP_ACCEPT="application/json")
    report = Report.objects.get()
    assert response.status_code == 200
    assert response.json() == {"url": f"/reports/{report.pk}/", "version": 1}
    bad = c.post("/reports/generate/", {"period": "someday"}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400  # the script then sends the form the plain way, errors shown on the page
