"""Who must prove a second factor and whose sessions time out: the one place that decides.

Staff = anyone holding a role (`org.selectors.scope_of`). The roles that must use two factors come
from `LIANXIN["TWO_FACTOR_ROLES"]` (production: admins, supervisors, leaders, dispatchers).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from lianxin.org.selectors import scope_of


def is_staff_session(user: Any) -> bool:
    """Staff sessions get the idle and absolute timeouts; residents keep the ordinary session."""
    return bool(getattr(user, "is_authenticated", False)) and scope_of(user).is_staff_member


def needs_second_factor(user: Any) -> bool:
    """Whether this user may not work before proving a TOTP code (or a recovery code)."""
    if not getattr(user, "is_authenticated", False):
        return False
    roles = set(settings.LIANXIN.get("TWO_FACTOR_ROLES", ()))
    return bool(roles) and scope_of(user).has(*roles)


def has_second_factor(user: Any) -> bool:
    """A confirmed authenticator is enrolled (else the user is sent to enrol first)."""
    from django_otp import devices_for_user

    return any(
        True for _d in devices_for_user(user, confirmed=True) if _d.persistent_id.startswith("otp_totp")
    )
