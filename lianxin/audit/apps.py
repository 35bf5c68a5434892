from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "lianxin.audit"
    label = "audit"
    verbose_name = _("审计日志")

    def ready(self) -> None:
        from django.contrib.admin.models import LogEntry
        from django.db.models.signals import post_save

        from .signals import audit_admin_change

        post_save.connect(audit_admin_change, sender=LogEntry, dispatch_uid="lianxin.audit.admin_change")
