from __future__ import annotations

from django.db.models import QuerySet

from .models import Notification


def notifications_for(user_id: int) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=user_id)


def unread_count(user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
