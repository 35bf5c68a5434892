"""Rows the platform's machinery keeps for itself (no domain data)."""

from __future__ import annotations

from django.db import models


class JobLease(models.Model):
    """Who runs a periodic job right now, until when (lianxin/core/leases.py)."""

    name = models.CharField(max_length=100, primary_key=True)
    holder = models.CharField(max_length=200, blank=True, default="")
    expires_at = models.DateTimeField()
    runs = models.PositiveBigIntegerField(default=0)  # times the lease was taken: tests and operators read it

    def __str__(self) -> str:
        return f"{self.name} ({self.holder or 'free'})"
