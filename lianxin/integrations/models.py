"""Webhook subscriptions of outside systems to appeal events, and the log of their deliveries."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core.crypto import EncryptedTextField
from lianxin.org.models import Area, Category

# The appeal events an integration may subscribe to (appeals.models.EventType values).
EVENT_CHOICES: tuple[tuple[str, str], ...] = (
    ("submitted", "受理"),
    ("dispatched", "派单"),
    ("redispatched", "改派"),
    ("accepted", "签收"),
    ("returned", "退单"),
    ("replied", "答复"),
    ("answered_directly", "直接办结"),
    ("rated", "评价"),
    ("closed", "办结"),
    ("reopened", "重办"),
    ("merged", "并案"),
    ("withdrawn", "撤回"),
    ("reclassified", "改分类"),
    ("extension_approved", "同意延期"),
    ("due_soon", "即将超期"),
    ("overdue", "已超期"),
    ("accept_overdue", "签收超时"),
)
EVENT_TYPES = frozenset(code for code, _label in EVENT_CHOICES)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Subscription(models.Model):
    """An outside system's endpoint, told of the appeal events it subscribed to within its scope."""

    name = models.CharField(_("名称"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        on_delete=models.CASCADE,
        related_name="webhooks",
        help_text=_("接收暂停通知；只推送此人有权查看的诉求。"),
    )
    url = models.URLField(_("接收地址"), max_length=500)
    secret = EncryptedTextField(_("签名密钥"), max_length=100, default=new_secret)
    event_types = models.JSONField(_("事件类型"), default=list)
    area = models.ForeignKey(
        Area,
        verbose_name=_("区域范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空表示全部区域；选中区域含其下级。"),
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("分类范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空表示全部分类；选中分类含其下级。"),
    )
    include_personal_data = models.BooleanField(
        _("包含个人信息"),
        default=False,
        help_text=_("仅管理员可开启；匿名诉求任何时候都不含个人信息。"),
    )
    active = models.BooleanField(_("启用"), default=True)
    paused_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("事件订阅")
        verbose_name_plural = _("事件订阅")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def paused(self) -> bool:
        return self.paused_at is not None


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    RETRYING = "retrying", _("重试中")
    SUCCEEDED = "succeeded", _("已送达")
    FAILED = "failed", _("失败")


class Delivery(models.Model):
    """One event for one subscription. The payload is kept without personal data; a subscription
    allowed to carry it gets the contact added when the request is built."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    # No database constraint: the events table is partitioned on PostgreSQL (core/partitions.py), and
    # a foreign key to it would need its partition column too. Django still nulls it on delete.
    event = models.ForeignKey(
        "appeals.AppealEvent", null=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    event_type = models.CharField(_("事件类型"), max_length=24)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        _("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("响应状态码"), null=True, blank=True)
    last_response = models.CharField(_("响应摘要"), max_length=500, blank=True)
    last_error = models.CharField(_("错误"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.event_type} {self.status}"


class DeliveryAttempt(models.Model):
    """One HTTP request of a delivery: its status code and the start of the response."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"
