from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.mail import send_mail

from .models import Notification

logger = logging.getLogger(__name__)


@shared_task(name="lianxin.notifications.tasks.deliver_notification")
def deliver_notification(user_ids: list[int], title: str, body: str, link: str, kind: str) -> int:
    users = list(get_user_model().objects.filter(pk__in=user_ids, is_active=True))
    Notification.objects.bulk_create(
        [Notification(user=u, title=title, body=body, link=link, kind=kind) for u in users]
    )
    recipients = [u.email for u in users if u.email]
    if recipients:
        try:
            send_mail(title, f"{body}\n\n{link}".strip(), None, recipients, fail_silently=False)
        except OSError:
            # The in-app notification is kept; email is best effort and retried by nobody.
            logger.warning("Email delivery failed for notification %r", title, exc_info=True)
    return len(users)


@shared_task(name="lianxin.notifications.tasks.deliver_notifications")
def deliver_notifications(rows: list[list[Any]]) -> int:
    """Many notifications at once, each row `[user_ids, title, body, link, kind]` as
    `deliver_notification` takes them: the users read and the rows written in one statement each."""
    wanted = {pk for row in rows for pk in row[0]}
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=wanted, is_active=True)}
    created = []
    for user_ids, title, body, link, kind in rows:
        targets = [users[pk] for pk in user_ids if pk in users]
        created += [Notification(user=u, title=title, body=body, link=link, kind=kind) for u in targets]
        recipients = [u.email for u in targets if u.email]
        if recipients:
            try:
                send_mail(title, f"{body}\n\n{link}".strip(), None, recipients, fail_silently=False)
            except OSError:
                logger.warning("Email delivery failed for notification %r", title, exc_info=True)
    Notification.objects.bulk_create(created, batch_size=1000)
    return len(created)
