from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "lianxin.audit"
    label = "audit"
    verbose_name = _("审计日志")

    def ready(self) -> None:
        from django.contrib.admin.models import LogEntry
        from django.db.models.signals import post_save

        from lianxin.core import partitions

        from .signals import audit_admin_change

        # Not detachable: `audit verify` walks the chain from its first entry.
        partitions.register(partitions.PartitionedTable("audit_auditentry", "at", detachable=False))

        post_save.connect(audit_admin_change, sender=LogEntry, dispatch_uid="lianxin.audit.admin_change")
