"""Contact and serve (联系服务群众): households, residents, contact assignments, visits, coverage rules."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core.crypto import EncryptedTextField
from lianxin.org.models import Area, Category, Unit

NAME_MAX = 50
PHONE_MAX = 20
ADDRESS_MAX = 200
TEXT_MAX = 2000
CONSENT_SCOPE_MAX = 200
COMPANIONS_MAX = 200
CLIENT_REF_MAX = 64
CONCERN_MAX = 500
FOLLOW_UP_MAX = 300


class SpecialGroup(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    DISABLED = "disabled", _("残疾人")
    LOW_INCOME = "low_income", _("低保")
    VETERAN = "veteran", _("退役军人")
    LEFT_BEHIND_CHILD = "left_behind_child", _("留守儿童")
    SERIOUSLY_ILL = "seriously_ill", _("大病重病")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    OTHER = "other", _("其他")


class Household(models.Model):
    """A household of a grid. Building/unit/room are kept in clear (they locate the door and find
    duplicates); the rest of the address is encrypted."""

    grid = models.ForeignKey(
        Area, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="households"
    )
    building = models.CharField(_("楼栋"), max_length=20)
    unit_no = models.CharField(_("单元"), max_length=10, blank=True)
    room = models.CharField(_("房号"), max_length=10)
    address_detail = EncryptedTextField(_("详细地址"), max_length=ADDRESS_MAX, blank=True)
    consent_on = models.DateField(_("同意登记日期"), null=True, blank=True)
    consent_scope = models.CharField(_("同意范围"), max_length=CONSENT_SCOPE_MAX, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    active = models.BooleanField(_("有效"), default=True)
    registered_on = models.DateField(_("登记日期"))
    # the latest visit's date, kept by `services.visit_log` so coverage is one scan of households
    last_visited_on = models.DateField(_("最近走访"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = _("住户")
        ordering = ["grid__path", "building", "unit_no", "room"]
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "building", "unit_no", "room"], name="uniq_household_door"
            ),
        ]

    def __str__(self) -> str:
        return self.door_label()

    def door_label(self) -> str:
        unit = f"{self.unit_no}单元" if self.unit_no else ""
        return f"{self.building}栋{unit}{self.room}室"


class HouseholdGroup(models.Model):
    """A special group the household belongs to (a household may be in several)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="groups")
    group = models.CharField(_("重点人群"), max_length=20, choices=SpecialGroup.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["household", "group"], name="uniq_household_group")]

    def __str__(self) -> str:
        return self.get_group_display()


class Member(models.Model):
    """A resident of a household. Name, phone and ID number are encrypted; the phone and the ID
    number are found by their keyed hashes (`lianxin.core.crypto`)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    relation = models.CharField(
        _("与户主关系"), max_length=12, choices=Relation.choices, default=Relation.HEAD
    )
    name = EncryptedTextField(_("姓名"), max_length=NAME_MAX)
    phone = EncryptedTextField(_("电话"), max_length=PHONE_MAX, blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number = EncryptedTextField(_("身份证号"), max_length=18, blank=True)
    id_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["household_id", "pk"]

    def __str__(self) -> str:
        return f"{self.get_relation_display()} #{self.pk}"  # never the name: str() ends up in logs


class AssignmentKind(models.TextChoices):
    HOUSEHOLD = "household", _("联系户")
    POINT = "point", _("联系点")


class ContactAssignment(models.Model):
    """A party member or cadre tied to a household (联系户), or a leading cadre to a community or
    unit (联系点). Ending one sets `ended_on`; nothing is deleted, so the history stays."""

    kind = models.CharField(_("类型"), max_length=10, choices=AssignmentKind.choices)
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("干部"),
        on_delete=models.PROTECT,
        related_name="contact_assignments",
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="contact_points"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="contact_points"
    )
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True, db_index=True)
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("联系关系")
        verbose_name_plural = _("联系关系")
        ordering = ["-started_on", "-pk"]
        indexes = [models.Index(fields=["cadre", "ended_on"], name="assignment_cadre_open")]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} {self.cadre_id} → {self.household_id or self.area_id or self.unit_id}"
        )


class Visit(models.Model):
    """A visit log (走访记录 / 民情日记)."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="visits")
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="outreach_visits"
    )
    visited_on = models.DateField(_("走访日期"), db_index=True)
    companions = models.CharField(_("同行人员"), max_length=COMPANIONS_MAX, blank=True)
    said = models.TextField(_("群众所思所想所盼"), max_length=TEXT_MAX, blank=True)
    # the id the phone gave the draft: a retried submission of the same draft is one visit
    client_ref = models.CharField(max_length=CLIENT_REF_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["household", "visited_on"], name="visit_household_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "client_ref"],
                condition=~models.Q(client_ref=""),
                name="uniq_visit_client_ref",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on} #{self.household_id}"


class VisitPhoto(models.Model):
    """A photo taken on a visit (checked as appeal attachments are: `photos.py`); shown only to those
    who may see the visit's household."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="outreach/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"photo {self.pk} of visit {self.visit_id}"


class Concern(models.Model):
    """One concern raised on a visit: solved on the spot, or made an appeal."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="concerns")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("问题"), max_length=CONCERN_MAX)
    solved_on_spot = models.BooleanField(_("当场解决"), default=False)
    appeal = models.ForeignKey(
        "appeals.Appeal", null=True, blank=True, on_delete=models.SET_NULL, related_name="outreach_concerns"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text[:30]


class FollowUp(models.Model):
    """A follow-up promised on a visit, due on a date."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="follow_ups")
    text = models.CharField(_("承诺事项"), max_length=FOLLOW_UP_MAX)
    due_on = models.DateField(_("完成期限"), db_index=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.text[:30]} ({self.due_on})"


class CoverageRule(models.Model):
    """How often households must be visited: every `interval_days` (calendar or working days), for
    all households or one special group, everywhere or in an area (and the areas inside it).
    The most specific rule applies: a group rule before a general one, a deeper area first."""

    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.CASCADE, related_name="coverage_rules"
    )
    group = models.CharField(_("重点人群"), max_length=20, choices=SpecialGroup.choices, blank=True)
    interval_days = models.PositiveSmallIntegerField(_("走访周期（天）"))
    working_days = models.BooleanField(_("按工作日计算"), default=False)

    class Meta:
        verbose_name = _("走访覆盖规则")
        verbose_name_plural = _("走访覆盖规则")
        constraints = [models.UniqueConstraint(fields=["area", "group"], name="uniq_coverage_rule")]

    def __str__(self) -> str:
        return f"{self.area or '*'} {self.group or '*'} {self.interval_days}"


class OverdueNotice(models.Model):
    """A cadre was told this household is overdue for this due date (so they are told once)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["household", "due_on"], name="uniq_overdue_notice")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.due_on}"


class OutreachEvent(models.Model):
    """One row per state change (registered, imported, assigned, ended, visited, concern → appeal)."""

    type = models.CharField(max_length=30)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    household = models.ForeignKey(Household, null=True, on_delete=models.CASCADE, related_name="events")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return self.type


class RollupKind(models.TextChoices):
    AREA = "area", _("区域")
    CADRE = "cadre", _("干部")


class CoverageRollup(models.Model):
    """Coverage tallies of one day, written by the coverage sweep (`rollups.refresh`): one row per
    area (every level), and one per cadre and community. Dashboards read these instead of
    computing every household's coverage on each request."""

    day = models.DateField(db_index=True)
    kind = models.CharField(max_length=8, choices=RollupKind.choices)
    area_path = models.CharField(max_length=200)
    cadre = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    total = models.PositiveIntegerField(default=0)
    in_time = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    by_group = models.JSONField(default=dict)  # group → [total, in_time]
    # area rows down to communities: how many cadres have households here, and the CADRE_LIMIT
    # most behind as [cadre id, total, in_time, overdue, by_group] (precomputed for the dashboard)
    cadre_count = models.PositiveIntegerField(default=0)
    worst_cadres = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["day", "kind", "area_path"], name="coverage_rollup_lookup")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.area_path} {self.cadre_id or ''}"
