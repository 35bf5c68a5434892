"""PDFs are rendered by a background task (run through Celery, eagerly here), stored against the
content they were rendered from, never served stale, and a failure is recorded, shown and retried."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from lianxin.reports import rendering, services
from lianxin.reports.models import PdfState, ReportPdf
from lianxin.reports.selectors import report_pdf_status
from lianxin.reports.services import SERVER
from lianxin.reports.tasks import render_report_pdf
from lianxin.supervision.selectors import Period

pytestmark = pytest.mark.django_db

ZH = "zh-hans"


def pdf_text(body: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(body))
    return len(reader.pages), "".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def draft(october):
    """A draft whose PDF was never asked for."""
    return services.report_generate(period=Period.parse("2026-10"), area=None, actor=SERVER, queue_pdf=False)


@pytest.fixture
def c(client, district):
    client.force_login(district.admin)  # admins oversee the whole platform, the drafts' area
    return client


def download(c, report, **headers):
    return c.get(f"/reports/{report.pk}/download.pdf", **headers)


def test_generating_queues_a_render_that_stores_the_pdf(october, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        report = services.report_generate(period=Period.parse("2026-10"), area=None, actor=SERVER)
    row = ReportPdf.objects.get(report=report)
    assert len(queued) == 1
    assert row.state == PdfState.PENDING
    assert row.language == ZH
    assert not row.file
    assert row.content_key == report.pdf_key(ZH)

    queued[0]()  # what happens after commit: the task, through Celery (eager without a broker)
    row.refresh_from_db()
    assert row.state == PdfState.READY
    assert row.attempts == 1
    assert row.finished_at is not None
    body = row.file.read()
    pages, text = pdf_text(body)
    assert body.startswith(b"%PDF-")
    assert pages == 7
    assert "群众诉求办理评估报告" in text


def test_download_before_ready_is_202_then_the_pdf(c, draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as queued:
        first = download(c, draft)
        assert first.status_code == 202
        assert first["Retry-After"] == "5"
        assert "PDF 正在生成，请稍后刷新" in first.content.decode()
        again = download(c, draft, HTTP_ACCEPT="application/json")  # same content: not queued twice
        assert again.status_code == 202
        assert again.json()["state"] == "pending"
        assert again.json()["status_url"] == f"/reports/{draft.pk}/pdf/"
    assert len(queued) == 1

    ready = download(c, draft)
    body = b"".join(ready.streaming_content)
    assert ready.status_code == 200
    assert body.startswith(b"%PDF-")
    assert pdf_text(body)[0] == 7
    assert ready["Content-Disposition"] == f'attachment; filename="{draft.file_stem}.pdf"'


def test_editing_the_lessons_makes_the_pdf_stale(c, draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_pdf_request(report=draft, actor=SERVER)
    old = ReportPdf.objects.get(report=draft)
    old_key, old_file = old.content_key, old.file.name
    assert old.state == PdfState.READY
    assert "路灯报修集中" not in pdf_text(old.file.read())[1]

    with django_capture_on_commit_callbacks() as queued:
        assert (
            c.post(f"/reports/{draft.pk}/lessons/", {"lessons": "路灯报修集中在东街道。"}).status_code == 302
        )
    assert len(queued) == 1  # a new render was asked for by the edit itself
    row = ReportPdf.objects.get(report=draft)
    assert row.state == PdfState.PENDING
    assert row.content_key != old_key
    stale = download(c, draft)
    assert stale.status_code == 202  # the file of the old lessons is never served
    # a late task for the old content does nothing
    assert render_report_pdf.delay(draft.pk, ZH, old_key).get() == "skipped"

    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()
    fresh = download(c, draft)
    assert fresh.status_code == 200
    assert "路灯报修集中在东街道" in pdf_text(fresh.getvalue())[1]
    row.refresh_from_db()
    assert old_file is not None
    assert not row.file.storage.exists(old_file)


def test_regenerating_with_new_figures_makes_it_stale(draft):
    row = ReportPdf.objects.create(
        report=draft,
        language=ZH,
        content_key=draft.pdf_key(ZH),
        state=PdfState.READY,
        requested_at=timezone.now(),
    )
    draft.data = {**draft.data, "totals": {**draft.data["totals"], "received": 999}}
    draft.save()
    assert not row.is_current_for(draft)
    assert report_pdf_status(draft, ZH).state == "stale"
    assert report_pdf_status(draft, "en").state == "none"


def test_failure_is_recorded_shown_and_retried(c, draft, monkeypatch, django_capture_on_commit_callbacks):
    def broken(report):
        raise RuntimeError("字体文件损坏")

    monkeypatch.setattr(rendering, "render_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        c.post(f"/reports/{draft.pk}/pdf/")
    row = ReportPdf.objects.get(report=draft)
    assert row.state == PdfState.FAILED
    assert row.error == "RuntimeError: 字体文件损坏"
    assert row.attempts == 1
    page = c.get(f"/reports/{draft.pk}/").content.decode()
    assert "PDF 生成失败：RuntimeError: 字体文件损坏" in page
    assert "重新生成 PDF" in page
    fragment = c.get(f"/reports/{draft.pk}/pdf/", HTTP_ACCEPT="application/json").json()
    assert fragment["state"] == "failed"
    assert "字体文件损坏" in fragment["error"]

    # a download retries; with a broker it answers 202 at once
    with django_capture_on_commit_callbacks() as queued:
        assert download(c, draft).status_code == 202
    assert len(queued) == 1
    assert ReportPdf.objects.get(report=draft).state == PdfState.PENDING
    queued[0]()
    # without a broker the task runs in-process as soon as the request's transaction commits: still
    # failing, the download answers with the reason (503, not a 500)
    monkeypatch.setattr(services, "enqueue_on_commit", lambda task, *args: task.delay(*args))
    failed = download(c, draft)
    assert failed.status_code == 503
    assert "PDF 生成失败：RuntimeError: 字体文件损坏" in failed.content.decode()
    row.refresh_from_db()
    assert row.state == PdfState.FAILED
    assert row.attempts == 3

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert c.post(f"/reports/{draft.pk}/pdf/").status_code == 302  # retry
    row.refresh_from_db()
    assert row.state == PdfState.READY
    assert row.error == ""
    assert row.attempts == 4
    assert download(c, draft).status_code == 200


def test_a_render_that_never_finished_is_queued_again(c, draft, django_capture_on_commit_callbacks):
    ReportPdf.objects.create(
        report=draft,
        language=ZH,
        content_key=draft.pdf_key(ZH),
        state=PdfState.PENDING,
        requested_at=timezone.now() - dt.timedelta(minutes=11),
    )
    fragment = c.get(f"/reports/{draft.pk}/pdf/").content.decode()
    assert "仍未生成完成" in fragment
    assert "重新生成 PDF" in fragment
    with django_capture_on_commit_callbacks() as queued:
        assert download(c, draft).status_code == 202
    assert len(queued) == 1


def test_the_page_polls_until_ready(c, draft, django_capture_on_commit_callbacks):
    page = c.get(f"/reports/{draft.pk}/").content.decode()
    assert "PDF 尚未生成" in page
    assert f'action="/reports/{draft.pk}/pdf/"' in page
    with django_capture_on_commit_callbacks() as queued:
        c.post(f"/reports/{draft.pk}/pdf/")
    page = c.get(f"/reports/{draft.pk}/").content.decode()
    assert "PDF 生成中" in page
    assert 'hx-trigger="every 3s"' in page
    assert f'hx-get="/reports/{draft.pk}/pdf/"' in page
    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()
    fragment = c.get(f"/reports/{draft.pk}/pdf/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in fragment  # polling stops
    assert f'href="/reports/{draft.pk}/download.pdf"' in fragment
    assert "PDF 可下载" not in fragment


def test_publishing_renders_in_the_background_and_keeps_the_pdf(c, draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        c.post(f"/reports/{draft.pk}/publish/")
    draft.refresh_from_db()
    assert draft.pdf.name.endswith(".pdf")
    assert draft.pdf.read().startswith(b"%PDF-")
    assert "发布" in pdf_text(ReportPdf.objects.get(report=draft).file.read())[1]
    # the published PDF is what every reader gets, in any language, without rendering again
    c.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks() as queued:
        response = download(c, draft)
    assert response.status_code == 200
    assert queued == []


def test_no_pango_keeps_the_clear_503(c, draft, monkeypatch):
    monkeypatch.setattr(
        rendering, "pdf_unavailable", lambda: rendering.PdfUnavailableError("此服务器无法生成 PDF（测试）")
    )
    response = download(c, draft)
    assert response.status_code == 503
    assert "此服务器无法生成 PDF（测试）" in response.content.decode()
    assert not ReportPdf.objects.exists()
    json = download(c, draft, HTTP_ACCEPT="application/json")
    assert json.status_code == 503
    assert json.json()["error"] == "pdf_unavailable"
    # asked for by an edit: recorded as failed with the reason instead of queued
    services.report_update_lessons(report=draft, actor=SERVER, text="x")
    row = ReportPdf.objects.get(report=draft)
    assert row.state == PdfState.FAILED
    assert row.error == "此服务器无法生成 PDF（测试）"


def test_with_a_broker_the_worker_finds_out(c, draft, monkeypatch, django_capture_on_commit_callbacks):
    """With a broker, web processes do not check for Pango (nor import WeasyPrint): the worker
    records the reason as the render's failure."""
    from lianxin.celery import app

    def no_pango(report):
        raise rendering.PdfUnavailableError("此服务器无法生成 PDF（测试）")

    monkeypatch.setattr(rendering, "pdf_unavailable", lambda: pytest.fail("checked in the web process"))
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    with django_capture_on_commit_callbacks() as queued:
        assert download(c, draft).status_code == 202
    monkeypatch.setattr(rendering, "render_pdf", no_pango)
    assert (
        services.report_pdf_render(report_id=draft.pk, language=ZH, content_key=draft.pdf_key(ZH)) == "failed"
    )
    assert len(queued) == 1
    row = ReportPdf.objects.get(report=draft)
    assert row.state == PdfState.FAILED
    assert row.error == "此服务器无法生成 PDF（测试）"
    assert "此服务器无法生成 PDF（测试）" in c.get(f"/reports/{draft.pk}/").content.decode()


def test_each_language_has_its_own_pdf(draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_pdf_request(report=draft, actor=SERVER, language=ZH)
        services.report_pdf_request(report=draft, actor=SERVER, language="en")
    rows = {r.language: r for r in ReportPdf.objects.filter(report=draft)}
    assert {lang: r.state for lang, r in rows.items()} == {ZH: PdfState.READY, "en": PdfState.READY}
    assert rows[ZH].content_key != rows["en"].content_key
    assert "Satisfaction rate" in pdf_text(rows["en"].file.read())[1]
    assert "Satisfaction rate" not in pdf_text(rows[ZH].file.read())[1]


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_through_redis(draft, celery_on_redis):
    """The task found by a worker's autodiscovery, its arguments through Redis, the file in the
    media directory the web serves from. Skipped without Redis (required in CI)."""
    import time

    from celery.contrib.testing.worker import start_worker

    with start_worker(celery_on_redis, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        row = services.report_pdf_request(report=draft, actor=SERVER)  # queued on commit, to Redis
        assert row.state == PdfState.PENDING
        deadline = time.monotonic() + 60
        while row.state == PdfState.PENDING and time.monotonic() < deadline:
            time.sleep(0.2)
            row.refresh_from_db()
    assert row.state == PdfState.READY
    assert row.file.read().startswith(b"%PDF-")


def test_a_new_layout_makes_the_stored_pdf_stale(
    draft, settings, tmp_path, django_capture_on_commit_callbacks
):
    """A release that changes what the PDF is drawn with (here: its translations) is a new layout:
    the PDF stored before it is rendered again on the next request, not served for ever."""
    with django_capture_on_commit_callbacks(execute=True):
        services.report_pdf_request(report=draft, actor=SERVER, language="en")
    row = ReportPdf.objects.get(report=draft, language="en")
    assert row.state == PdfState.READY
    assert row.is_current_for(draft)
    zh_key = draft.pdf_key(ZH)

    # The same catalogue installed once more, first in the search path: the English layout's
    # files changed (the catalogue set is another), the Chinese one's did not (zh-hans has none).
    extra = tmp_path / "en" / "LC_MESSAGES"
    extra.mkdir(parents=True)
    (extra / "django.mo").write_bytes(
        (settings.LOCALE_PATHS[0] / "en" / "LC_MESSAGES" / "django.mo").read_bytes()
    )
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]

    assert not row.is_current_for(draft)
    assert report_pdf_status(draft, "en").state == "stale"
    assert draft.pdf_key(ZH) == zh_key
    with django_capture_on_commit_callbacks() as queued:
        pending = services.report_pdf_request(report=draft, actor=SERVER, language="en")
    assert pending.state == PdfState.PENDING
    assert len(queued) == 1
