"""Every change made in the Django admin (roles, groups, catalogues, policies, keys...) is audited."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry

_OPERATIONS = {ADDITION: "add", CHANGE: "change", DELETION: "delete"}


def audit_admin_change(sender: type[LogEntry], instance: LogEntry, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw"):
        return
    from .services import AuditAction, audit_append

    content_type = instance.content_type
    model = f"{content_type.app_label}.{content_type.model}" if content_type else "unknown"
    if model == "audit.auditentry":
        return
    audit_append(
        action=AuditAction.CONFIG_CHANGE,
        object_type=model,
        object_id=instance.object_id or "",
        actor=instance.user,
        data={
            "operation": _OPERATIONS.get(instance.action_flag, str(instance.action_flag)),
            "object": instance.object_repr,
            "change": instance.get_change_message(),
            "via": "admin",
        },
    )
