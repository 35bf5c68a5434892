"""Periodic evaluation reports (月度/季度评估报告).

A `Report` is one version of the report for a period and an area (None: the whole platform).
Its figures are a frozen snapshot (`data`, JSON) taken when it was generated, so a report reads
the same tomorrow as today even if the rollups move. A draft's lessons section can be edited
and the draft can be regenerated in place; publishing freezes it and stores the PDF and XLSX.
Generating again after publication creates the next version.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.org.models import Area


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
    status = models.CharField(_("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
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
                fields=["period_label", "version"], condition=models.Q(area=None), name="report_version_key_all"
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
