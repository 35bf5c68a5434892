"""A consultation (征求意见): the draft decision, its numbered paragraphs, dated phases and participants."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.org.models import Area, Unit


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("征求意见中")
    CLOSED = "closed", _("已结束")
    ARCHIVED = "archived", _("已归档")


class Audience(models.TextChoices):
    ANYONE = "anyone", _("所有登录用户")
    VERIFIED_PHONE = "verified_phone", _("已验证手机号的居民")
    AREA_RESIDENTS = "area_residents", _("本区域居民")


class PhaseType(models.TextChoices):
    INFORMATION = "information", _("公示了解")
    COLLECTING = "collecting", _("征集意见")
    REVIEW = "review", _("意见梳理")
    DECISION = "decision", _("决策公布")
    FEEDBACK = "feedback", _("采纳反馈")


class Consultation(models.Model):
    slug = models.SlugField(_("标识"), max_length=80, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    summary = models.TextField(_("简介"), max_length=4000, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="consultations"
    )
    # None: the whole district.
    area = models.ForeignKey(
        Area,
        verbose_name=_("涉及区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    audience = models.CharField(
        _("参与范围"), max_length=20, choices=Audience.choices, default=Audience.ANYONE
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    proposal_threshold = models.PositiveIntegerField(_("金点子进入审议所需支持数"), default=30)
    budget_total = models.PositiveBigIntegerField(_("参与式预算总额（元）"), default=0)
    decision_summary = models.TextField(_("决策说明"), max_length=8000, blank=True)
    decision_published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Where the consultation came from: "" (written here) or "polis:<folder>" for an import.
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("征求意见")
        verbose_name_plural = _("征求意见")
        ordering = ["-published_at", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Paragraph(models.Model):
    """One numbered paragraph (条款) of the draft; `final_text` is the decided text once published."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="paragraphs")
    number = models.PositiveSmallIntegerField(_("序号"))
    heading = models.CharField(_("标题"), max_length=200, blank=True)
    text = models.TextField(_("草案条文"), max_length=8000)
    final_text = models.TextField(_("最终条文"), max_length=8000, blank=True)
    change_reason = models.TextField(_("修改理由"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("条款")
        verbose_name_plural = _("条款")
        ordering = ["consultation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "number"], name="uniq_paragraph_number")
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} §{self.number}"


class Phase(models.Model):
    """A dated phase; what residents may do in it comes from its type (`lianxin.consultations.phases`)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="phases")
    type = models.CharField(_("阶段类型"), max_length=12, choices=PhaseType.choices)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))

    class Meta:
        verbose_name = _("阶段")
        verbose_name_plural = _("阶段")
        ordering = ["consultation", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="phase_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.starts_at:%Y-%m-%d}–{self.ends_at:%Y-%m-%d}"


class Participant(models.Model):
    """A person's pseudonymous presence in one consultation. Public pages show only `pseudonym`.

    `user` is a logged-in resident; `external_id` a voter of an imported Pol.is conversation.
    """

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_id = models.CharField(max_length=40, blank=True)
    pseudonym = models.CharField(max_length=40)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("参与者")
        verbose_name_plural = _("参与者")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "user"],
                condition=models.Q(user__isnull=False),
                name="uniq_participant_user",
            ),
            models.UniqueConstraint(
                fields=["consultation", "external_id"],
                condition=~models.Q(external_id=""),
                name="uniq_participant_external",
            ),
        ]

    def __str__(self) -> str:
        return self.pseudonym


class ResidentProfile(models.Model):
    """What the audience rules need to know about a resident: the verified phone and the home area."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resident_profile"
    )
    home_area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    verified_phone = models.CharField(max_length=20, blank=True)
    phone_verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("居民参与资料")
        verbose_name_plural = _("居民参与资料")

    def __str__(self) -> str:
        return f"{self.user_id}"


class EventType(models.TextChoices):
    CREATED = "created", _("创建")
    EDITED = "edited", _("修改")
    PUBLISHED = "published", _("发布")
    CLOSED = "closed", _("结束征集")
    ARCHIVED = "archived", _("归档")
    DECISION_PUBLISHED = "decision_published", _("公布决策")
    CONTRIBUTED = "contributed", _("参与")
    PROPOSAL_QUEUED = "proposal_queued", _("金点子进入审议")
    MODERATED = "moderated", _("审核")
    REPORTED = "reported", _("举报")
    FEEDBACK = "feedback", _("采纳反馈")
    IMPORTED = "imported", _("导入")
    ATTACHMENTS = "attachments", _("修改附件")
    SUMMARY = "summary", _("意见摘要")
    OPENED_FROM = "opened_from", _("由诉求数据发起")


class ConsultationEvent(models.Model):
    """One step on a consultation's timeline: who did what, with a typed payload (`events.py`)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=24, choices=EventType.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("征求意见事件")
        verbose_name_plural = _("征求意见事件")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.consultation_id} {self.type}"


class AnalysisResult(models.Model):
    """The latest opinion-group analysis of a consultation's statement
    votes (recomputed in the background)."""

    consultation = models.OneToOneField(Consultation, on_delete=models.CASCADE, related_name="analysis")
    computed_at = models.DateTimeField()
    vote_count = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.consultation_id} @ {self.computed_at:%Y-%m-%d %H:%M}"
