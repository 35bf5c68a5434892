"""An append-only audit log; each entry is chained to the previous one by a SHA-256 hash."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Snapshot of the actor's id: the hash covers it, not the FK, which deleting the user nulls.
    actor_ref = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=60, db_index=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # 1 = plain SHA-256 (entries written before the keyed chain), 2 = HMAC-SHA256 with LIANXIN["AUDIT_KEY"].
    scheme = models.PositiveSmallIntegerField(default=1)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计日志")
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"
