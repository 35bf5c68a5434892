from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "lianxin.notifications"
    label = "notifications"
    verbose_name = _("通知")

    def ready(self) -> None:
        import datetime as dt

        from django.db.models import QuerySet

        from lianxin.core.retention import RetentionKind, register

        from .models import Notification

        def _old(cutoff: dt.datetime) -> QuerySet[Notification]:
            return Notification.objects.filter(created_at__lt=cutoff)

        def _purge(cutoff: dt.datetime) -> int:
            return _old(cutoff).delete()[0]

        register(
            RetentionKind("notifications", "in-app notifications", 365, lambda c: _old(c).count(), _purge)
        )
