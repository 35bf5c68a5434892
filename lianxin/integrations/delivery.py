"""Sending deliveries: signed, one attempt at a time, retried with exponential backoff by the
sweep, and a dead endpoint paused with its owner told (services.py queues them)."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.models import Appeal
from lianxin.appeals.privacy import may_see_contact
from lianxin.audit.services import AuditAction, audit_append
from lianxin.notifications.services import notify_users

from . import signing
from .egress import guarded_opener
from .models import Delivery, DeliveryAttempt, DeliveryStatus, Subscription
from .payloads import personal_part

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


# --- sending ---------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # a 3xx is an answer, not followed
        return None


_opener = guarded_opener(_NoRedirect())


def _claim(delivery_id: int) -> Delivery | None:
    """Take a due delivery for one attempt (its next attempt moves past the request's timeout), so a
    second worker or the sweep does not send it at the same time."""
    with transaction.atomic():
        d = (
            Delivery.objects.select_for_update(skip_locked=True)
            .select_related("subscription__owner")
            .filter(
                pk=delivery_id,
                status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING],
                next_attempt_at__lte=timezone.now(),
                subscription__active=True,
                subscription__paused_at__isnull=True,
            )
            .first()
        )
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
            audit_append(
                action=AuditAction.PERSONAL_DATA_VIEW,
                object_type="appeal",
                object_id=appeal.tracking_number,
                actor=sub.owner,
                data={"purpose": "webhook", "subscription": sub.pk, "delivery": delivery.pk},
            )
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _send(delivery: Delivery, body: bytes) -> tuple[int | None, str, str]:
    sub = delivery.subscription
    ts = int(time.time())
    request = urllib.request.Request(
        sub.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Lianxin-Webhooks/1",
            signing.TIMESTAMP_HEADER: str(ts),
            signing.SIGNATURE_HEADER: signing.signature(sub.secret, ts, body),
            signing.EVENT_HEADER: delivery.event_type,
            signing.DELIVERY_HEADER: str(delivery.pk),
        },
    )
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
        DeliveryAttempt.objects.create(
            delivery=d,
            at=now,
            status_code=code,
            response_excerpt=excerpt[:EXCERPT],
            error=error,
            duration_ms=duration,
        )
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
    audit_append(
        action=AuditAction.CONFIG_CHANGE,
        object_type="webhook",
        object_id=sub.pk,
        actor_label="webhooks",
        data={"paused": True, "failures": sub.consecutive_failures},
    )
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
        Delivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING],
            next_attempt_at__lte=timezone.now(),
            subscription__active=True,
            subscription__paused_at__isnull=True,
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def deliveries_sweep(limit: int = 200) -> dict[str, int]:
    """Send what is due (retries, and first attempts whose queued task was lost)."""
    counts: dict[str, int] = {}
    for pk in deliveries_due(limit):
        status = delivery_attempt(pk)
        if status:
            counts[status] = counts.get(status, 0) + 1
    return counts
