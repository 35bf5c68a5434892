"""Webhooks: subscribing, queuing a delivery per matching event, sending it signed, retrying with
exponential backoff, pausing a dead endpoint and telling its owner.

Deliveries are rows written in the transaction that records the event (so none is lost, and none
is sent for an event that rolled back); the first attempt is queued after commit, and retries are
found by the sweep (`deliveries_sweep`, Celery beat or the embedded server's thread), so a lost
broker message only delays a delivery.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.models import Appeal, AppealEvent
from lianxin.appeals.privacy import may_see_contact
from lianxin.appeals.selectors import appeals_visible_to
from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.errors import NotFound, ValidationFailed
from lianxin.core.tasks import enqueue_on_commit
from lianxin.notifications.services import notify_users
from lianxin.org.models import Area, Category, User

from . import policy, signing
from .models import EVENT_TYPES, Delivery, DeliveryAttempt, DeliveryStatus, Subscription
from .payloads import event_payload, personal_part

EXCERPT = 500


def _conf(key: str, default: Any) -> Any:
    return settings.LIANXIN.get(key, default)


def timeout_seconds() -> float:
    return float(_conf("WEBHOOK_TIMEOUT", 5.0))


def max_attempts() -> int:
    return int(_conf("WEBHOOK_MAX_ATTEMPTS", 8))


def pause_after() -> int:
    return int(_conf("WEBHOOK_PAUSE_AFTER", 10))


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: base, 2×base, 4×base, … capped at a day."""
    base = float(_conf("WEBHOOK_BACKOFF_SECONDS", 30.0))
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 86400.0))


# --- subscriptions ---------------------------------------------------------------------------------


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    allowed = ("https",) if settings.LIANXIN_PRODUCTION else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname or len(url) > 500:
        raise ValidationFailed(
            _("接收地址须是完整的 %(schemes)s 地址（不超过 500 个字符），例如 https://example.org/hooks。")
            % {"schemes": " / ".join(allowed)}, field="url")
    return url


def _clean_events(event_types: list[str]) -> list[str]:
    chosen = sorted(set(event_types or []))
    unknown = [e for e in chosen if e not in EVENT_TYPES]
    if not chosen or unknown:
        raise ValidationFailed(
            _("请至少选择一种事件类型；可选：%(known)s。") % {"known": ", ".join(sorted(EVENT_TYPES))}
            + (_("未知：%(bad)s。") % {"bad": ", ".join(unknown)} if unknown else ""),
            field="event_types")
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
        raise ValidationFailed(_("只有管理员可以为他人创建订阅。"), field="owner")
    if include_personal_data and not policy.may_carry_personal_data(actor):
        raise ValidationFailed(_("只有管理员可以允许订阅包含个人信息。"), field="include_personal_data")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_("请填写名称（1 到 100 个字符）。"), field="name")
    sub = Subscription.objects.create(
        name=name, owner=owner, url=_clean_url(url), event_types=_clean_events(event_types), area=area,
        category=category, include_personal_data=include_personal_data,
    )
    audit_append(action=AuditAction.CONFIG_CHANGE, object_type="webhook", object_id=sub.pk, actor=actor,
                 data={"created": True, "url": sub.url, "events": sub.event_types,
                       "personal_data": include_personal_data})
    return sub


def subscription_get_for(user: User, pk: int) -> Subscription:
    sub = Subscription.objects.select_related("owner", "area", "category").filter(pk=pk).first()
    if sub is None or not policy.may_manage(user, sub):
        raise NotFound(_("没有找到该订阅。"))
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
        raise NotFound(_("没有找到该订阅。"))
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
        sub.paused_at = None
        sub.consecutive_failures = 0
        sub.active = True
        sub.save(update_fields=["paused_at", "consecutive_failures", "active"])
        waiting = Delivery.objects.filter(subscription=sub,
                                          status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])
        ids = list(waiting.order_by("id").values_list("pk", flat=True)[:200])  # the sweep sends the rest
        waiting.update(next_attempt_at=timezone.now())
        audit_append(action=AuditAction.CONFIG_CHANGE, object_type="webhook", object_id=sub.pk, actor=actor,
                     data={"resumed": True})
    if ids:
        enqueue_on_commit(_deliver_task(), ids)
    return sub


# --- matching and queuing --------------------------------------------------------------------------


def _in_scope(sub: Subscription, appeal: Appeal) -> bool:
    if sub.area_id is not None:
        path = appeal.area.path if appeal.area else None
        if path is None or not (path == sub.area.path or path.startswith(f"{sub.area.path}/")):  # type: ignore[union-attr]
            return False
    if sub.category_id is not None:
        path = appeal.category.path if appeal.category else None
        if path is None or not (path == sub.category.path or path.startswith(f"{sub.category.path}/")):  # type: ignore[union-attr]
            return False
    return True


def matching_subscriptions(event: AppealEvent) -> list[Subscription]:
    subs = [s for s in Subscription.objects.filter(active=True).select_related("owner", "area", "category")
            if event.type in s.event_types and _in_scope(s, event.appeal)]
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
    rows = Delivery.objects.bulk_create([
        Delivery(subscription=s, event=event, event_type=event.type, payload=payload, next_attempt_at=now)
        for s in subs
    ])
    ids = [d.pk for d in rows if not d.subscription.paused]
    if ids:
        enqueue_on_commit(_deliver_task(), ids)


def _deliver_task() -> Any:
    from .tasks import deliver

    return deliver


# --- sending ---------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # a 3xx is an answer, not followed
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _claim(delivery_id: int) -> Delivery | None:
    """Take a due delivery for one attempt (its next attempt moves past the request's timeout), so a
    second worker or the sweep does not send it at the same time."""
    with transaction.atomic():
        d = (Delivery.objects.select_for_update(skip_locked=True).select_related("subscription__owner")
             .filter(pk=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING],
                     next_attempt_at__lte=timezone.now(), subscription__active=True,
                     subscription__paused_at__isnull=True).first())
        if d is None:
            return None
        d.next_attempt_at = timezone.now() + dt.timedelta(seconds=timeout_seconds() * 2 + 60)
        d.save(update_fields=["next_attempt_at"])
        return d


def _body(delivery: Delivery) -> bytes:
    sub = delivery.subscription
    payload = {**delivery.payload, "delivery_id": delivery.pk, "subscription_id": sub.pk}
    if sub.include_personal_data and delivery.event_id is not None:
        appeal = Appeal.objects.filter(events__pk=delivery.event_id).first()
        if appeal is not None and not appeal.is_anonymous and may_see_contact(sub.owner, appeal):
            payload["appeal"] = {**payload["appeal"], **personal_part(appeal)}
            audit_append(action=AuditAction.PERSONAL_DATA_VIEW, object_type="appeal",
                         object_id=appeal.tracking_number, actor=sub.owner,
                         data={"purpose": "webhook", "subscription": sub.pk, "delivery": delivery.pk})
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _send(delivery: Delivery, body: bytes) -> tuple[int | None, str, str]:
    sub = delivery.subscription
    ts = int(time.time())
    request = urllib.request.Request(sub.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Lianxin-Webhooks/1",
        signing.TIMESTAMP_HEADER: str(ts),
        signing.SIGNATURE_HEADER: signing.signature(sub.secret, ts, body),
        signing.EVENT_HEADER: delivery.event_type,
        signing.DELIVERY_HEADER: str(delivery.pk),
    })
    try:
        with _opener.open(request, timeout=timeout_seconds()) as response:
            return response.status, response.read(EXCERPT).decode("utf-8", "replace"), ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(EXCERPT).decode("utf-8", "replace"), ""
    except (OSError, ValueError) as exc:  # refused, timed out, DNS, TLS
        return None, "", f"{type(exc).__name__}: {exc}"[:300]


def delivery_attempt(delivery_id: int) -> str | None:
    """One attempt of a due delivery; returns its new status (None when it was not due or taken)."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    body = _body(delivery)
    started = time.monotonic()
    code, excerpt, error = _send(delivery, body)
    duration = int((time.monotonic() - started) * 1000)
    ok = code is not None and 200 <= code < 300
    now = timezone.now()
    with transaction.atomic():
        d = Delivery.objects.select_for_update().get(pk=delivery.pk)
        sub = Subscription.objects.select_for_update().get(pk=d.subscription_id)
        DeliveryAttempt.objects.create(delivery=d, at=now, status_code=code, response_excerpt=excerpt[:EXCERPT],
                                       error=error, duration_ms=duration)
        d.attempts += 1
        d.last_status_code, d.last_response, d.last_error = code, excerpt[:EXCERPT], error
        if ok:
            d.status, d.delivered_at, d.next_attempt_at = DeliveryStatus.SUCCEEDED, now, None
            sub.consecutive_failures = 0
        else:
            sub.consecutive_failures += 1
            if d.attempts >= max_attempts():
                d.status, d.next_attempt_at = DeliveryStatus.FAILED, None
            else:
                d.status, d.next_attempt_at = DeliveryStatus.RETRYING, now + backoff(d.attempts)
            if sub.paused_at is None and sub.consecutive_failures >= pause_after():
                _pause(sub, now)
        d.save()
        sub.save(update_fields=["consecutive_failures", "paused_at"])
    return d.status


def _pause(sub: Subscription, now: dt.datetime) -> None:
    sub.paused_at = now
    audit_append(action=AuditAction.CONFIG_CHANGE, object_type="webhook", object_id=sub.pk,
                 actor_label="webhooks", data={"paused": True, "failures": sub.consecutive_failures})
    notify_users(
        user_ids=[sub.owner_id],
        title=_("事件订阅“%(name)s”已暂停") % {"name": sub.name},
        body=_("接收地址连续 %(n)d 次推送失败，已暂停推送；修复后请在订阅页面恢复，未送达的事件会重新发送。")
        % {"n": sub.consecutive_failures},
        link=f"/integrations/{sub.pk}/",
        kind="webhook_paused",
    )


def deliveries_due(limit: int = 200) -> list[int]:
    return list(
        Delivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING],
                                next_attempt_at__lte=timezone.now(), subscription__active=True,
                                subscription__paused_at__isnull=True)
        .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit]
    )


def deliveries_sweep(limit: int = 200) -> dict[str, int]:
    """Send what is due (retries, and first attempts whose queued task was lost)."""
    counts: dict[str, int] = {}
    for pk in deliveries_due(limit):
        status = delivery_attempt(pk)
        if status:
            counts[status] = counts.get(status, 0) + 1
    return counts


def deliveries_of(subscription: Subscription) -> Any:
    return Delivery.objects.filter(subscription=subscription).order_by("-created_at", "-id")
