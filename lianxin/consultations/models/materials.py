"""What a consultation carries besides its text: attachments, the organiser's edited summary of
the opinions per paragraph, and where a consultation started (an appeal hotspot or a proactive
proposal) with the evidence it was opened on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.models import Appeal
from lianxin.org.models import Area, Category
from lianxin.proactive.models import ProactiveTask

from .consultation import Consultation, Paragraph


class ConsultationAttachment(models.Model):
    """A PDF or image published with the draft (checked by `lianxin.core.uploads`, as appeals' are)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="consultations/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("征求意见附件")
        verbose_name_plural = _("征求意见附件")
        ordering = ["consultation", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class OpinionSummary(models.Model):
    """The organiser's summary of the opinions on one paragraph (or, `paragraph` None, on the whole
    draft): drafted from the figures, edited by staff, public once `published_at` is set."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="opinion_summaries")
    paragraph = models.ForeignKey(
        Paragraph, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(_("意见摘要"), max_length=4000)
    # the figures the draft was written from: counts, support / oppose, sentiment, main points
    figures = models.JSONField(default=dict, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("意见摘要")
        verbose_name_plural = _("意见摘要")
        ordering = ["consultation", "paragraph__number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "paragraph"], name="uniq_opinion_summary", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} §{self.paragraph_id or '-'}"


class OriginKind(models.TextChoices):
    HOTSPOT = "hotspot", _("诉求文本热点")
    PROACTIVE = "proactive", _("主动治理线索")


class ConsultationOrigin(models.Model):
    """The appeal data a consultation was opened from, kept as evidence: the proactive proposal (a
    recurring problem or a text hotspot), its area and category, the related appeals (for staff) and
    a snapshot of counts and sample appeals without personal data (for the draft and the public)."""

    consultation = models.OneToOneField(Consultation, on_delete=models.CASCADE, related_name="origin")
    kind = models.CharField(_("来源"), max_length=12, choices=OriginKind.choices)
    task = models.ForeignKey(
        ProactiveTask,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation_origins",
        verbose_name=_("主动治理线索"),
    )
    label = models.CharField(_("热点"), max_length=200, blank=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    appeals = models.ManyToManyField(Appeal, related_name="+", blank=True, verbose_name=_("相关诉求"))
    evidence = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("征求意见来源")
        verbose_name_plural = _("征求意见来源")

    def __str__(self) -> str:
        return f"{self.consultation_id} ← {self.kind}"
