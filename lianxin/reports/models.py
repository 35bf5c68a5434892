"""Periodic evaluation reports (月度/季度评估报告).

A `Report` is one version of the report for a period and an area (None: the whole platform).
Its figures are a frozen snapshot (`data`, JSON) taken when it was generated, so a report reads
the same tomorrow as today even if the rollups move. A draft's lessons section can be edited
and the draft can be regenerated in place; publishing freezes it and stores the PDF and XLSX.
Generating again after publication creates the next version.

A `ReportPdf` is the PDF of one report in one language, rendered by a background task
(`reports.tasks.render_report_pdf`) and stored against the content key it was rendered from
(`Report.pdf_key`): once the lessons, the figures, the status or the layout (a new release's
templates, charts or translations) change, the key changes and the stored file is never served
again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.org.models import Area

from .layout import layout_digest


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class Report(models.Model):
    period_label = models.CharField(_("统计周期"), max_length=30)
    period_kind = models.CharField(max_length=10)
    period_start = models.DateField()
    period_end = models.DateField(help_text="Exclusive.")
    area = models.ForeignKey(
        Area, verbose_name=_("区域"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    status = models.CharField(
        _("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    data = models.JSONField(default=dict)
    lessons = models.TextField(_("经验与问题"), blank=True, max_length=10000)
    generated_at = models.DateTimeField()
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pdf = models.FileField(upload_to="reports/%Y/", blank=True)
    xlsx = models.FileField(upload_to="reports/%Y/", blank=True)

    class Meta:
        verbose_name = _("评估报告")
        verbose_name_plural = _("评估报告")
        ordering = ["-period_start", "area_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["period_label", "area", "version"], name="report_version_key"),
            models.UniqueConstraint(
                fields=["period_label", "version"],
                condition=models.Q(area=None),
                name="report_version_key_all",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_label} {self.area_id or '*'} v{self.version}"

    @property
    def is_draft(self) -> bool:
        return self.status == ReportStatus.DRAFT

    @property
    def file_stem(self) -> str:
        area = self.area.code if self.area_id and self.area else "all"
        return f"lianxin-report-{self.period_label}-{area}-v{self.version}"

    def pdf_key(self, language: str) -> str:
        """What a PDF of this report in `language` shows, as a hash: everything the document
        renders from (figures, lessons, version, status, publication time, language) and the
        layout it is drawn with (`layout.layout_digest`: templates, charts, translations)."""
        content = {
            "data": self.data,
            "lessons": self.lessons,
            "period": [self.period_label, self.period_kind],
            "version": self.version,
            "status": self.status,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "language": language,
            "layout": layout_digest(language),
        }
        blob = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


# A render still pending after this long is taken as lost (a worker died, a message was dropped):
# the report page offers to retry and the next request queues it again.
PDF_PENDING_TIMEOUT = dt.timedelta(minutes=10)


class PdfState(models.TextChoices):
    PENDING = "pending", _("生成中")
    READY = "ready", _("可下载")
    FAILED = "failed", _("生成失败")


class ReportPdf(models.Model):
    """The latest PDF rendering of a report in one language (one row per report and language).

    `content_key` is the `Report.pdf_key` the rendering was requested for; the file is current
    only while `state` is ready and the key still equals the report's key."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="pdfs")
    language = models.CharField(max_length=10)
    content_key = models.CharField(max_length=64)
    state = models.CharField(_("状态"), max_length=10, choices=PdfState.choices, default=PdfState.PENDING)
    file = models.FileField(upload_to="reports/%Y/", blank=True)
    error = models.CharField(_("失败原因"), max_length=500, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("报告 PDF")
        verbose_name_plural = _("报告 PDF")
        constraints = [models.UniqueConstraint(fields=["report", "language"], name="report_pdf_per_language")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.language} {self.state}"

    def is_current_for(self, report: Report) -> bool:
        return self.content_key == report.pdf_key(self.language)
