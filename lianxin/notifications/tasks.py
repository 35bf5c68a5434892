from __future__ import annotations

import logging

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
