"""Rows the platform's machinery keeps for itself (no domain data)."""

from __future__ import annotations

from django.db import models

from .crypto import EncryptedTextField


class JobLease(models.Model):
    """Who runs a periodic job right now, until when (lianxin/core/leases.py)."""

    name = models.CharField(max_length=100, primary_key=True)
    holder = models.CharField(max_length=200, blank=True, default="")
    expires_at = models.DateTimeField()
    runs = models.PositiveBigIntegerField(default=0)  # times the lease was taken: tests and operators read it

    def __str__(self) -> str:
        return f"{self.name} ({self.holder or 'free'})"


class PhoneChallenge(models.Model):
    """A one-time code sent to prove a phone (lianxin/core/phoneverify.py): only hashes of the code
    and the number are kept, with the number itself encrypted for the caller that verifies by code."""

    purpose = models.CharField(max_length=32)
    subject = models.CharField(max_length=64, blank=True, default="")  # e.g. "user:12" when signed in
    phone_hash = models.CharField(max_length=64)  # core.crypto.phone_lookup_hash
    phone = EncryptedTextField(max_length=20)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["purpose", "phone_hash", "created_at"], name="phonechallenge_phone"),
            models.Index(fields=["purpose", "subject", "created_at"], name="phonechallenge_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M}"
