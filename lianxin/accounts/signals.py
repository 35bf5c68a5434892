"""Lockouts land in the audit log (the failures themselves are in axes' own tables)."""

from __future__ import annotations

import time
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver

from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.masking import mask_phone


@receiver(user_locked_out)
def _audit_lockout(
    sender: Any,
    request: Any = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    name = username or ""
    with transaction.atomic():
        audit_append(
            action=AuditAction.SECURITY,
            object_type="login",
            object_id=(mask_phone(name) if name.isdigit() else name)[:60] or "-",
            actor_label="axes",
            data={"event": "locked_out", "ip": ip_address or ""},
        )


@receiver(user_logged_in)
def _start_session_clock(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    """The absolute timeout counts from the sign-in itself, not from the first page after it."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session["lx_auth_at"] = now
        request.session["lx_seen_at"] = now


def axes_client_ip(request: Any) -> str | None:
    """The address django-axes records: the real client (trusted proxies) or None when the request
    has none (an internal login such as Django's test client's), never a text a database's inet
    column would refuse."""
    import ipaddress

    from lianxin.core.ratelimit import client_ip

    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
