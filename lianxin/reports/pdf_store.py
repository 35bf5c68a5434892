"""Storing the PDF renderings of reports: the background task's work (`report_pdf_render`) and a
rendering made synchronously by the command line (`report_pdf_store`).

Apart from `services` so that `tasks` can call it while `services` queues `tasks`, without an
import cycle. Re-exported by `services`.
"""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from . import rendering
from .models import PdfState, Report, ReportPdf

logger = logging.getLogger(__name__)


def _still_wanted(report: Report | None, row: ReportPdf | None, key: str) -> bool:
    return (
        report is not None
        and row is not None
        and row.state == PdfState.PENDING
        and row.content_key == key
        and report.pdf_key(row.language) == key
    )


def report_pdf_render(*, report_id: int, language: str, content_key: str) -> str:
    """The background task's work: render the requested PDF and store it, or record why it failed.

    Returns "ready", "failed", or "skipped" when the request is no longer wanted (the report
    changed or was deleted since, or this rendering was already done): a newer request has been
    queued by whatever changed it, so nothing stale is ever stored as current."""
    report = Report.objects.select_related("area").filter(pk=report_id).first()
    row = ReportPdf.objects.filter(report_id=report_id, language=language).first()
    if not _still_wanted(report, row, content_key):
        return "skipped"
    assert report is not None
    body, error = b"", ""
    try:
        with translation.override(language):
            body = rendering.render_pdf(report)
    except rendering.PdfUnavailableError as exc:
        error = exc.message
    except Exception as exc:  # whatever breaks in the renderer is recorded and shown, never raised
        logger.exception("Rendering the PDF of report %s (%s) failed", report_id, language)
        error = f"{exc.__class__.__name__}: {exc}"
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",)).select_related("area").filter(pk=report_id).first()
        )
        row = ReportPdf.objects.select_for_update().filter(report_id=report_id, language=language).first()
        if not _still_wanted(report, row, content_key):
            return "skipped"
        assert report is not None
        assert row is not None
        row.attempts += 1
        if error:
            row.state, row.error, row.finished_at = PdfState.FAILED, error[:500], timezone.now()
            row.save()
            return "failed"
        _store(report, row, body)
    return "ready"


def report_pdf_store(*, report: Report, language: str, body: bytes) -> ReportPdf:
    """Store a PDF rendered synchronously (the command line) as the current rendering."""
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("area").get(pk=report.pk)
        row, _created = ReportPdf.objects.select_for_update().get_or_create(
            report=report,
            language=language,
            defaults={"content_key": "", "requested_at": timezone.now()},
        )
        row.content_key = report.pdf_key(language)
        _store(report, row, body)
    return row


def _store(report: Report, row: ReportPdf, body: bytes) -> None:
    """Inside a transaction holding both rows: save the file as `row`'s current one (the stale file
    it replaces is deleted after commit) and keep the first PDF of a published report."""
    old = row.file.name if row.file else ""
    row.file.save(f"{report.file_stem}-{row.language}.pdf", ContentFile(body), save=False)
    row.state, row.error, row.finished_at = PdfState.READY, "", timezone.now()
    row.save()
    if not report.is_draft and not report.pdf:
        report.pdf.save(f"{report.file_stem}.pdf", ContentFile(body), save=False)
        report.save(update_fields=["pdf"])
    if old and old != row.file.name:
        storage = row.file.storage
        transaction.on_commit(lambda: storage.delete(old))
