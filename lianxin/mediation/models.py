"""Dispute mediation (人民调解): cases, their parties, mediators, sessions, follow-up visits and events."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core.crypto import EncryptedTextField, id_number_lookup_hash, phone_lookup_hash
from lianxin.org.models import Area

TITLE_MAX_LENGTH = 100
TEXT_MAX_LENGTH = 4000
NOTE_MAX_LENGTH = 2000


class DisputeType(models.TextChoices):
    NEIGHBOUR = "neighbour", _("邻里纠纷")
    FAMILY = "family", _("婚姻家庭纠纷")
    PROPERTY = "property", _("物业纠纷")
    LABOUR = "labour", _("劳动争议")
    CONSUMER = "consumer", _("消费纠纷")
    OTHER = "other", _("其他纠纷")


class Source(models.TextChoices):
    DIRECT = "direct", _("当事人申请")
    APPEAL = "appeal", _("诉求转调解")
    VISIT = "visit", _("走访发现")


class Status(models.TextChoices):
    REQUESTED = "requested", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    ASSIGNED = "assigned", _("已指派调解员")
    IN_MEDIATION = "in_mediation", _("调解中")
    AGREED = "agreed", _("达成协议")
    CLOSED = "closed", _("已结案")
    REFERRED = "referred", _("调解不成·已引导")
    WITHDRAWN = "withdrawn", _("已撤回")
    DECLINED = "declined", _("不予受理")


OPEN_STATUSES = (Status.REQUESTED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_MEDIATION, Status.AGREED)
# The statuses the statutory deadline runs in (from acceptance until an outcome is recorded).
RUNNING_STATUSES = (Status.ACCEPTED, Status.ASSIGNED, Status.IN_MEDIATION)
FINAL_STATUSES = (Status.CLOSED, Status.REFERRED, Status.WITHDRAWN, Status.DECLINED)


class ReferralTarget(models.TextChoices):
    COURT = "court", _("人民法院")
    ARBITRATION = "arbitration", _("仲裁机构")
    DEPARTMENT = "department", _("行政职能部门")
    OTHER = "other", _("其他途径")


class RiskReason(models.TextChoices):
    REPEAT_PARTIES = "repeat_parties", _("当事人多次纠纷")
    ESCALATING = "escalating", _("矛盾有激化倾向")
    THREATS = "threats", _("有威胁或过激言行")
    OTHER = "other", _("其他风险")


class MediatorKind(models.TextChoices):
    PEOPLES = "peoples", _("人民调解员")
    COMMUNITY = "community", _("社区工作人员")


class Mediator(models.Model):
    """A person registered to mediate in an area (a community or a street and what lies inside it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mediator_posts"
    )
    area = models.ForeignKey(Area, verbose_name=_("服务区域"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        _("类型"), max_length=12, choices=MediatorKind.choices, default=MediatorKind.PEOPLES
    )
    active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("调解员")
        verbose_name_plural = _("调解员")
        constraints = [models.UniqueConstraint(fields=["user", "area"], name="uniq_mediator_area")]

    def __str__(self) -> str:
        return f"{self.user} · {self.area}"


class MediationCase(models.Model):
    number = models.CharField(_("案号"), max_length=24, unique=True)
    title = models.CharField(_("纠纷概要"), max_length=TITLE_MAX_LENGTH)
    description = models.TextField(_("纠纷情况"), max_length=TEXT_MAX_LENGTH)
    dispute_type = models.CharField(_("纠纷类型"), max_length=12, choices=DisputeType.choices)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.DIRECT)
    area = models.ForeignKey(Area, verbose_name=_("所在社区"), on_delete=models.PROTECT, related_name="+")
    place = models.CharField(_("纠纷地点"), max_length=200, blank=True)
    appeal = models.OneToOneField(
        "appeals.Appeal", null=True, blank=True, on_delete=models.SET_NULL, related_name="mediation_case"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediation_requests",
    )
    status = models.CharField(_("状态"), max_length=14, choices=Status.choices, default=Status.REQUESTED)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调解员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediation_cases",
    )
    high_risk = models.BooleanField(_("风险预警"), default=False)
    risk_reasons = models.JSONField(default=list, blank=True)
    # Queue order: 0 high risk, 1 normal.
    priority = models.PositiveSmallIntegerField(default=1)

    opened_at = models.DateTimeField(_("申请时间"), db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("调解期限"), null=True, blank=True, db_index=True)
    extended_days = models.PositiveSmallIntegerField(default=0)
    due_soon = models.BooleanField(default=False)  # set by the sweep (`sweeps.py`), once per deadline
    overdue = models.BooleanField(default=False, db_index=True)
    agreed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    agreement_text = models.TextField(_("协议内容"), max_length=TEXT_MAX_LENGTH, blank=True)
    referral_target = models.CharField(
        _("引导去向"), max_length=12, choices=ReferralTarget.choices, blank=True
    )
    outcome_note = models.TextField(_("结果说明"), max_length=NOTE_MAX_LENGTH, blank=True)
    agreement_kept = models.BooleanField(_("协议履行"), null=True, blank=True)

    class Meta:
        verbose_name = _("调解案件")
        verbose_name_plural = _("调解案件")
        ordering = ["priority", "-opened_at"]
        indexes = [
            models.Index(fields=["status", "priority", "opened_at"], name="mediation_status_queue"),
            models.Index(fields=["area", "opened_at"], name="mediation_area_time"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")


class Party(models.Model):
    """One side of a dispute. Name, phone and ID number are shown only to the case's mediator and
    supervisors (`privacy.may_see_parties`); every look at them is in the audit log. They are
    encrypted at rest (core/crypto.py); a party in another case is found by the keyed hashes."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("身份"), max_length=12, choices=PartyRole.choices)
    name = EncryptedTextField(_("姓名"), max_length=50)
    phone = EncryptedTextField(_("联系电话"), max_length=20, blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number = EncryptedTextField(_("身份证号"), max_length=18, blank=True)
    id_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consent = models.BooleanField(_("同意调解"), default=False)
    consent_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(_("协议签字时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.role}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.set_lookup_hashes()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "phone_hash", "id_hash"}
        super().save(*args, **kwargs)

    def set_lookup_hashes(self) -> None:
        """The keyed hashes of the phone and ID number (call before a bulk_create, which skips save)."""
        self.phone_hash = phone_lookup_hash(self.phone or "")
        self.id_hash = id_number_lookup_hash(self.id_number or "")


class Session(models.Model):
    """One mediation session (调解会)."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    attendees = models.CharField(_("参加人员"), max_length=500)
    notes = models.TextField(_("调解记录"), max_length=TEXT_MAX_LENGTH)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["held_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.held_at:%Y-%m-%d}"


class FollowUp(models.Model):
    """A return visit (回访) to check that the agreement is kept."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="follow_ups")
    visited_at = models.DateTimeField(_("回访时间"))
    kept = models.BooleanField(_("协议已履行"))
    notes = models.TextField(_("回访情况"), max_length=NOTE_MAX_LENGTH)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["visited_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.visited_at:%Y-%m-%d}"


class EventType(models.TextChoices):
    REQUESTED = "requested", _("申请调解")
    ACCEPTED = "accepted", _("受理")
    DECLINED = "declined", _("不予受理")
    ASSIGNED = "assigned", _("指派调解员")
    CONSENTED = "consented", _("当事人同意调解")
    REASSIGNED = "reassigned", _("改派调解员")
    SESSION = "session", _("调解")
    EXTENDED = "extended", _("延长调解期限")
    RISK_FLAGGED = "risk_flagged", _("风险预警")
    AGREED = "agreed", _("达成协议")
    SIGNED = "signed", _("协议签字")
    REFERRED = "referred", _("调解不成·引导")
    FOLLOWED_UP = "followed_up", _("回访")
    CLOSED = "closed", _("结案")
    WITHDRAWN = "withdrawn", _("撤回")
    DUE_SOON = "due_soon", _("即将超期")
    OVERDUE = "overdue", _("已超期")


class CaseEvent(models.Model):
    """One step on a case's timeline: who did what, when, from which status to which."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=14, choices=EventType.choices)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True)
    from_status = models.CharField(max_length=14, blank=True)
    to_status = models.CharField(max_length=14, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("调解事件")
        verbose_name_plural = _("调解事件")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["type", "at"], name="mediation_event_type_time")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.type}"


STATUS_LABELS = dict(Status.choices)
