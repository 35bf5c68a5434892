"""Sending notifications: in-app rows and email, always after the transaction commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from lianxin.core.tasks import enqueue_on_commit

from .models import Notification


def notify_users(
    *, user_ids: Iterable[int], title: str, body: str = "", link: str = "", kind: str = ""
) -> None:
    """Queue a notification to these users; nothing is sent if the transaction rolls back."""
    from .tasks import deliver_notification

    ids = sorted(set(user_ids))
    if ids:
        enqueue_on_commit(deliver_notification, ids, title, body, link, kind)


@dataclass(frozen=True)
class Notice:
    user_ids: list[int]
    title: str
    body: str = ""
    link: str = ""
    kind: str = ""


def notify_many(notices: Iterable[Notice]) -> None:
    """Queue many notifications as one task (a bulk intake's); nothing is sent on rollback."""
    from .tasks import deliver_notifications

    rows = [[sorted(set(n.user_ids)), n.title, n.body, n.link, n.kind] for n in notices if n.user_ids]
    if rows:
        enqueue_on_commit(deliver_notifications, rows)


def notification_mark_read(*, user_id: int, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(user_id=user_id, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def notifications_mark_read_for(*, user_id: int, link: str) -> int:
    """The person acted on what these notifications point to: they are read (issue 16)."""
    return Notification.objects.filter(user_id=user_id, link=link, read_at__isnull=True).update(
        read_at=timezone.now()
    )
