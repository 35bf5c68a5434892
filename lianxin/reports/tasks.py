"""Background work on reports: rendering a PDF (1–5 s of WeasyPrint) off the web request.

Queued after commit by `services.report_pdf_request` (and by generating, saving the lessons and
publishing) through `lianxin.core.tasks.enqueue_on_commit`; without a broker it runs in-process.
"""

from __future__ import annotations

from celery import shared_task

from .pdf_store import report_pdf_render


@shared_task(name="lianxin.reports.tasks.render_report_pdf")
def render_report_pdf(report_id: int, language: str, content_key: str) -> str:
    return report_pdf_render(report_id=report_id, language=language, content_key=content_key)
