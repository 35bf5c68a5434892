"""Proactive tasks (未诉先办 / 主动治理) and residents' subscriptions."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.models import Appeal
from lianxin.core.crypto import EncryptedTextField
from lianxin.org.models import Area, Category, Unit


class TaskKind(models.TextChoices):
    RECURRING = "recurring", _("反复出现的问题")
    BUILDING = "building", _("同一楼栋多次诉求")
    SEASONAL = "seasonal", _("季节性问题")
    HOTSPOT = "hotspot", _("文本热点")


class TaskStatus(models.TextChoices):
    PROPOSED = "proposed", _("待研判")
    OPEN = "open", _("办理中")
    DONE = "done", _("已办结")
    DISMISSED = "dismissed", _("不予立项")


class ProactiveTask(models.Model):
    kind = models.CharField(_("来源"), max_length=12, choices=TaskKind.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.PROPOSED
    )
    key = models.CharField(max_length=200, unique=True, editable=False)  # the detector's key: proposed once
    title = models.CharField(_("标题"), max_length=200)
    reason = models.TextField(_("依据"), max_length=2000, blank=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    evidence = models.ManyToManyField(Appeal, related_name="+", blank=True, verbose_name=_("相关诉求"))
    owner_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位")
    )
    owner_grid = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任网格")
    )
    instructions = models.TextField(_("工作要求"), max_length=2000, blank=True)
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    outcome = models.TextField(_("办理结果"), max_length=4000, blank=True)
    proposed_at = models.DateTimeField(db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("主动治理任务")
        verbose_name_plural = _("主动治理任务")
        ordering = ["-proposed_at", "-pk"]
        indexes = [models.Index(fields=["status", "-proposed_at"])]

    def __str__(self) -> str:
        return self.title


class TaskEventType(models.TextChoices):
    PROPOSED = "proposed", _("系统提出")
    ACCEPTED = "accepted", _("立项交办")
    DISMISSED = "dismissed", _("不予立项")
    DONE = "done", _("反馈结果")


class ProactiveTaskEvent(models.Model):
    task = models.ForeignKey(ProactiveTask, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=12, choices=TaskEventType.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.type}@{self.at:%Y-%m-%d %H:%M}"


def _token() -> str:
    return secrets.token_urlsafe(24)


class Subscription(models.Model):
    """A resident's subscription to an area (and the areas inside it) and/or a category: by account
    (notified in the app) or by a verified phone without an account (notified by SMS)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    phone = EncryptedTextField(max_length=20, blank=True, default="")  # verified (core/phoneverify.py)
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("区域")
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("类别")
    )
    token = models.CharField(
        max_length=40, unique=True, default=_token, editable=False
    )  # the unsubscribe link
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("订阅")
        verbose_name_plural = _("订阅")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "area", "category"],
                name="uniq_subscription",
                condition=models.Q(user__isnull=False),
                nulls_distinct=False,
            ),
            models.UniqueConstraint(
                fields=["phone_hash", "area", "category"],
                name="uniq_subscription_phone",
                condition=~models.Q(phone_hash=""),
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(area__isnull=False) | models.Q(category__isnull=False),
                name="subscription_area_or_category",
            ),
            models.CheckConstraint(
                condition=(models.Q(user__isnull=False) & models.Q(phone_hash=""))
                | (models.Q(user__isnull=True) & ~models.Q(phone_hash="")),
                name="subscription_account_or_phone",
            ),
        ]

    def __str__(self) -> str:
        who = self.user_id or "phone"
        return f"{who}: {self.area_id or '*'} / {self.category_id or '*'}"


class NoticeKind(models.TextChoices):
    WATER = "water", _("停水")
    POWER = "power", _("停电")
    GAS = "gas", _("停气")
    HEATING = "heating", _("停暖")
    WORKS = "works", _("施工")
    OTHER = "other", _("通知")


class NoticeStatus(models.TextChoices):
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class Notice(models.Model):
    """A notice or a planned work (停水停电、施工) for an area and a period; subscribers of the area
    (and of its category, if one is given) are told when it is published (`notices.py`)."""

    kind = models.CharField(_("类型"), max_length=12, choices=NoticeKind.choices)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), max_length=2000)
    area = models.ForeignKey(Area, verbose_name=_("影响区域"), on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        Category, verbose_name=_("类别"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"), db_index=True)
    status = models.CharField(max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.PUBLISHED)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField()
    notified = models.PositiveIntegerField(default=0)  # subscribers told at publication
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="notice_ends_after"
            ),
        ]

    def __str__(self) -> str:
        return self.title
