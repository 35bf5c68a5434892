"""Write side of the periodic reports: generate (or refresh a draft), edit lessons, publish,
and the PDF renderings made in the background.

Every function people call is keyword-only, authorises the actor against the report's area (the
same 404 as for an absent report when it lies outside the actor's jurisdiction; `actor=None` is
the command line, which runs with the server's own rights) and appends an audit entry.

PDFs (1–5 s of WeasyPrint) are never rendered in a web request: generating, saving the lessons,
publishing and asking for a PDF call `report_pdf_request`, which queues the task
`reports.tasks.render_report_pdf` after commit; the task calls `report_pdf_render`, which stores
the file against the content key it was rendered from (`Report.pdf_key`). Without a broker the
task runs in-process right after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lianxin.audit.services import audit_append
from lianxin.core.errors import Conflict, NotFound, ValidationFailed
from lianxin.core.tasks import enqueue_on_commit
from lianxin.org.models import Area, User
from lianxin.supervision import selectors as sv
from lianxin.supervision.selectors import Period

from . import rendering
from .models import PDF_PENDING_TIMEOUT, PdfState, Report, ReportPdf, ReportStatus
from .selectors import report_content

logger = logging.getLogger(__name__)

LESSONS_MAX_LENGTH = 10000


def _authorise(actor: User | None, area: Area | None) -> None:
    if actor is None:
        return
    j = sv.require_overseer(actor)
    if (area is None and not j.everything) or (area is not None and not j.covers_area(area)):
        raise NotFound(_("没有找到该区域，或它不在您的督查范围内。"))


def _same_report(period: Period, area: Area | None) -> Q:
    return Q(period_label=period.label) & (Q(area=area) if area is not None else Q(area=None))


def report_generate(
    *, period: Period, area: Area | None, actor: User | None, now: dt.datetime | None = None,
    queue_pdf: bool = True,
) -> Report:
    """Take a fresh snapshot. The latest draft of the same period and area is refreshed in place
    (its lessons kept); when there is none, or the latest is published, a new version is made.
    `queue_pdf`: render its PDF in the background (in the active language) after commit."""
    _authorise(actor, area)
    if period.start >= (now or timezone.now()).date() + dt.timedelta(days=1):
        raise ValidationFailed(_("统计周期尚未开始，无法生成报告。"), field="period")
    content = report_content(period, area)
    now = now or timezone.now()
    with transaction.atomic():
        if area is not None:
            Area.objects.select_for_update().filter(pk=area.pk).first()  # serialise versions per area
        latest = Report.objects.select_for_update().filter(_same_report(period, area)).order_by("-version").first()
        if latest is not None and latest.is_draft:
            report, created = latest, False
        else:
            version = (Report.objects.filter(_same_report(period, area)).aggregate(v=Max("version"))["v"] or 0) + 1
            report, created = (
                Report(
                    period_label=period.label,
                    period_kind=period.kind,
                    period_start=period.start,
                    period_end=period.end,
                    area=area,
                    version=version,
                ),
                True,
            )
        report.data = content
        report.generated_at = now
        report.generated_by = actor
        report.save()
        audit_append(
            action="report.generated" if created else "report.regenerated",
            object_type="report",
            object_id=report.pk,
            actor=actor,
            actor_label="" if actor else "cli",
            data={"period": period.label, "area": area.code if area else None, "version": report.version},
        )
        if queue_pdf:
            _request_pdf(report, _language())
    return report


def _ensure_draft(report: Report) -> None:
    if not report.is_draft:
        raise Conflict(_("该报告已发布，不能再修改。如需更新，请重新生成，系统会建立新版本。"))


def report_update_lessons(*, report: Report, actor: User | None, text: str, queue_pdf: bool = True) -> Report:
    """Replace the editable lessons section (经验与问题) of a draft. The PDF rendered before is
    stale from now on; with `queue_pdf` a new one is rendered in the background."""
    _authorise(actor, report.area)
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > LESSONS_MAX_LENGTH:
        raise ValidationFailed(
            _("“经验与问题”最多 {n} 字，当前 {m} 字，请精简后再保存。").format(n=LESSONS_MAX_LENGTH, m=len(text)),
            field="lessons",
        )
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        _ensure_draft(report)
        report.lessons = text
        report.save(update_fields=["lessons"])
        audit_append(
            action="report.lessons_updated",
            object_type="report",
            object_id=report.pk,
            actor=actor,
            actor_label="" if actor else "cli",
            data={"length": len(text)},
        )
        if queue_pdf:
            _request_pdf(report, _language())
    return report


def report_publish(
    *, report: Report, actor: User | None, now: dt.datetime | None = None, queue_pdf: bool = True
) -> Report:
    """Freeze a draft: store its XLSX now and its PDF once rendered (in the background with
    `queue_pdf`; the first PDF rendered after publication is kept as `Report.pdf`). From then on
    the report is read-only."""
    _authorise(actor, report.area)
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("area").get(pk=report.pk)
        _ensure_draft(report)
        report.status = ReportStatus.PUBLISHED
        report.published_at = now or timezone.now()
        report.published_by = actor
        report.xlsx.save(f"{report.file_stem}.xlsx", ContentFile(rendering.render_xlsx(report)), save=False)
        report.save()
        audit_append(
            action="report.published",
            object_type="report",
            object_id=report.pk,
            actor=actor,
            actor_label="" if actor else "cli",
            data={"period": report.period_label, "version": report.version},
        )
        if queue_pdf:
            _request_pdf(report, _language())
    return report


# --- PDF renderings -----------------------------------------------------------------------------------


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def report_pdf_request(*, report: Report, actor: User | None, language: str | None = None) -> ReportPdf:
    """Make sure a PDF of the report as it is now, in `language` (default: the active one), is
    stored or being rendered. Queues the background render unless a current file is ready or a
    render of this very content is already under way; a failed render is tried again."""
    _authorise(actor, report.area)
    return _request_pdf(report, language or _language())


def _request_pdf(report: Report, language: str, *, now: dt.datetime | None = None) -> ReportPdf:
    from .tasks import render_report_pdf

    now = now or timezone.now()
    with transaction.atomic():
        # The report's row lock orders this against edits; the key is computed from the stored row,
        # exactly as the task will compute it.
        report = Report.objects.select_for_update().get(pk=report.pk)
        key = report.pdf_key(language)
        row, created = ReportPdf.objects.select_for_update().get_or_create(
            report=report, language=language,
            defaults={"content_key": key, "state": PdfState.PENDING, "requested_at": now},
        )
        if not created and row.content_key == key:
            if row.state == PdfState.READY and row.file.name and row.file.storage.exists(row.file.name):
                return row
            if row.state == PdfState.PENDING and row.requested_at > now - PDF_PENDING_TIMEOUT:
                return row
        unavailable = rendering.pdf_unavailable_here()
        row.content_key, row.requested_at, row.finished_at = key, now, None
        if unavailable is not None:  # nothing to queue: say why on the report page
            row.state, row.error, row.finished_at = PdfState.FAILED, unavailable.message[:500], now
            row.save()
            return row
        row.state, row.error = PdfState.PENDING, ""
        row.save()
        enqueue_on_commit(render_report_pdf, report.pk, language, key)
    return row


def _still_wanted(report: Report | None, row: ReportPdf | None, key: str) -> bool:
    return (
        report is not None and row is not None and row.state == PdfState.PENDING and row.content_key == key
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
    except rendering.PdfUnavailable as exc:
        error = exc.message
    except Exception as exc:  # whatever breaks in the renderer is recorded and shown, never raised
        logger.exception("Rendering the PDF of report %s (%s) failed", report_id, language)
        error = f"{exc.__class__.__name__}: {exc}"
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("area").filter(pk=report_id).first()
        row = ReportPdf.objects.select_for_update().filter(report_id=report_id, language=language).first()
        if not _still_wanted(report, row, content_key):
            return "skipped"
        assert report is not None and row is not None
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
            report=report, language=language,
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
