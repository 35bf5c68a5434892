"""Webhooks: subscribing, queuing a delivery per matching event, sending it signed, retrying with
exponential backoff, pausing a dead endpoint and telling its owner.

Deliveries are rows written in the transaction that records the event (so none is lost, and none
is sent for an event that rolled back); the first attempt is queued after commit, and retries are
found by the sweep (`delivery.deliveries_sweep`, Celery beat or the embedded server's thread), so a lost
broker message only delays a delivery.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.models import Appeal, AppealEvent
from lianxin.appeals.selectors import appeals_visible_to
from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.errors import NotFoundError, ValidationFailedError
from lianxin.core.tasks import enqueue_on_commit
from lianxin.org.models import Area, Category, User
from lianxin.org.selectors import in_area_subtree

from . import policy
from .egress import destination_refusal
from .models import EVENT_TYPES, Delivery, DeliveryStatus, Subscription
from .payloads import event_payload

# --- subscriptions ---------------------------------------------------------------------------------


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    allowed = ("https",) if settings.LIANXIN_PRODUCTION else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname or len(url) > 500:
        raise ValidationFailedError(
            _("接收地址须是完整的 %(schemes)s 地址（不超过 500 个字符），例如 https://example.org/hooks。")
            % {"schemes": " / ".join(allowed)},
            field="url",
        )
    refusal = destination_refusal(parts.hostname)
    if refusal is not None:
        raise ValidationFailedError(
            _(
                "接收地址指向内部网络（%(why)s）。请使用对外公开的地址；"
                "确属可信的内部接收方，请运维人员将其加入 LIANXIN_WEBHOOK_ALLOWED_HOSTS。"
            )
            % {"why": refusal},
            field="url",
        )
    return url


def _clean_events(event_types: list[str]) -> list[str]:
    chosen = sorted(set(event_types or []))
    unknown = [e for e in chosen if e not in EVENT_TYPES]
    if not chosen or unknown:
        raise ValidationFailedError(
            _("请至少选择一种事件类型；可选：%(known)s。") % {"known": ", ".join(sorted(EVENT_TYPES))}
            + (_("未知：%(bad)s。") % {"bad": ", ".join(unknown)} if unknown else ""),
            field="event_types",
        )
    return chosen


def subscription_create(
    *,
    actor: User,
    name: str,
    url: str,
    event_types: list[str],
    area: Area | None = None,
    category: Category | None = None,
    include_personal_data: bool = False,
    owner: User | None = None,
) -> Subscription:
    """A staff member subscribes for themselves; an administrator for anyone, and may let the
    subscription carry personal data."""
    policy.ensure_may_manage_webhooks(actor)
    owner = owner or actor
    if owner.pk != actor.pk and not policy.is_admin(actor):
        raise ValidationFailedError(_("只有管理员可以为他人创建订阅。"), field="owner")
    if include_personal_data and not policy.may_carry_personal_data(actor):
        raise ValidationFailedError(_("只有管理员可以允许订阅包含个人信息。"), field="include_personal_data")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailedError(_("请填写名称（1 到 100 个字符）。"), field="name")
    sub = Subscription.objects.create(
        name=name,
        owner=owner,
        url=_clean_url(url),
        event_types=_clean_events(event_types),
        area=area,
        category=category,
        include_personal_data=include_personal_data,
    )
    audit_append(
        action=AuditAction.CONFIG_CHANGE,
        object_type="webhook",
        object_id=sub.pk,
        actor=actor,
        data={
            "created": True,
            "url": sub.url,
            "events": sub.event_types,
            "personal_data": include_personal_data,
        },
    )
    return sub


def subscription_get_for(user: User, pk: int) -> Subscription:
    sub = Subscription.objects.select_related("owner", "area", "category").filter(pk=pk).first()
    if sub is None or not policy.may_manage(user, sub):
        raise NotFoundError(_("没有找到该订阅。"))
    return sub


def subscriptions_visible_to(user: User) -> Any:
    qs = Subscription.objects.select_related("owner", "area", "category")
    if policy.is_admin(user):
        return qs
    if not policy.may_manage_webhooks(user):
        return qs.none()
    return qs.filter(owner=user)


def subscription_resume(*, actor: User, subscription: Subscription) -> Subscription:
    """Resume a paused endpoint: its waiting deliveries are sent again from now."""
    if not policy.may_manage(actor, subscription):
        raise NotFoundError(_("没有找到该订阅。"))
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
        sub.paused_at = None
        sub.consecutive_failures = 0
        sub.active = True
        sub.save(update_fields=["paused_at", "consecutive_failures", "active"])
        waiting = Delivery.objects.filter(
            subscription=sub, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING]
        )
        ids = list(waiting.order_by("id").values_list("pk", flat=True)[:200])  # the sweep sends the rest
        waiting.update(next_attempt_at=timezone.now())
        audit_append(
            action=AuditAction.CONFIG_CHANGE,
            object_type="webhook",
            object_id=sub.pk,
            actor=actor,
            data={"resumed": True},
        )
    if ids:
        enqueue_on_commit(_deliver_task(), ids)
    return sub


# --- matching and queuing --------------------------------------------------------------------------


def _in_scope(sub: Subscription, appeal: Appeal) -> bool:
    if sub.area_id is not None and not in_area_subtree(
        appeal.area.path if appeal.area else None,
        [sub.area.path],  # type: ignore[union-attr]
    ):
        return False
    return sub.category_id is None or in_area_subtree(
        appeal.category.path if appeal.category else None,
        [sub.category.path],  # type: ignore[union-attr]
    )


def matching_subscriptions(event: AppealEvent) -> list[Subscription]:
    subs = [
        s
        for s in Subscription.objects.filter(active=True).select_related("owner", "area", "category")
        if event.type in s.event_types and _in_scope(s, event.appeal)
    ]
    # an owner is told only of what they may see (an administrator sees everything)
    return [s for s in subs if appeals_visible_to(s.owner).filter(pk=event.appeal_id).exists()]


def on_appeal_event(event: AppealEvent) -> None:
    """The appeals hook: one delivery row per matching subscription, sent after commit."""
    if event.type not in EVENT_TYPES:
        return
    subs = matching_subscriptions(event)
    if not subs:
        return
    payload = event_payload(event)
    now = timezone.now()
    rows = Delivery.objects.bulk_create(
        [
            Delivery(subscription=s, event=event, event_type=event.type, payload=payload, next_attempt_at=now)
            for s in subs
        ]
    )
    ids = [d.pk for d in rows if not d.subscription.paused]
    if ids:
        enqueue_on_commit(_deliver_task(), ids)


def on_appeal_events(events: list[AppealEvent]) -> None:
    """The hook for many events at once (a bulk intake): nothing more to read when no subscription
    is active; otherwise each event as `on_appeal_event` takes it."""
    if not any(event.type in EVENT_TYPES for event in events):
        return
    if not Subscription.objects.filter(active=True).exists():
        return
    for event in events:
        on_appeal_event(event)


def _deliver_task() -> Any:
    from .tasks import deliver

    return deliver


def deliveries_of(subscription: Subscription) -> Any:
    return Delivery.objects.filter(subscription=subscription).order_by("-created_at", "-id")
