"""Masking of residents' personal data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lianxin.core.masking import NON_DIGITS, mask_phone

if TYPE_CHECKING:
    from lianxin.org.models import User

    from .models import Appeal

__all__ = ["mask_phone"]  # re-exported: the masking itself lives in core (org's admin uses it too)


def mask_name(name: str) -> str:
    """`张三` → `张*`, `欧阳娜娜` → `欧***`; Latin names keep their first letter."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def phone_last4(phone: str) -> str:
    return NON_DIGITS.sub("", phone or "")[-4:]


# --- who sees a resident's contact details ----------------------------------------------------------


@dataclass(frozen=True)
class ContactView:
    name: str
    phone: str
    masked: bool
    anonymous: bool


ANONYMOUS_LABEL = "匿名"


def may_see_contact(user: User | None, appeal: Appeal) -> bool:
    """Who needs a resident's name and phone: the operators and dispatchers who talk to them, the
    main unit's handlers when the resident consented, and supervisors who call back (回访).
    Nobody sees who sent an anonymous appeal."""
    from lianxin.org.models import Role
    from lianxin.org.selectors import scope_of

    if appeal.is_anonymous or user is None or not user.is_authenticated:
        return False
    token_scopes = getattr(user, "api_scopes", None)  # set when the caller came with an API token
    if token_scopes is not None and "contact" not in token_scopes:
        return False
    if appeal.resident_id == user.pk:
        return True
    from .policy import CONTACT_ROLES

    scope = scope_of(user)
    if scope.has(*CONTACT_ROLES):
        return True
    return bool(
        appeal.contact_consent
        and appeal.unit_id is not None
        and appeal.unit_id in scope.units_for(Role.HANDLER)
    )


def contact_for(
    user: User | None, appeal: Appeal, *, reveal: bool = False, purpose: str = "", for_call: bool = False
) -> ContactView:
    """The contact details as this user may see them. An unmasked phone is only shown when asked
    for (`reveal`), and each such look is written to the audit log.

    `for_call`: the calling service has checked that `user` is to phone this resident now (a
    pending follow-up call in their jurisdiction): whoever makes the call needs the number, contact
    role or not. Anonymous appeals stay sealed even then (their call goes through the dialer)."""
    if appeal.is_anonymous:
        return ContactView(name=ANONYMOUS_LABEL, phone="", masked=True, anonymous=True)
    if (
        reveal
        and user is not None
        and (may_see_contact(user, appeal) or (for_call and user.is_authenticated))
    ):
        from lianxin.audit.services import AuditAction, audit_append

        audit_append(
            action=AuditAction.PERSONAL_DATA_VIEW,
            object_type="appeal",
            object_id=appeal.tracking_number,
            actor=user,
            data={"fields": ["contact_name", "contact_phone"], "purpose": purpose or "view"},
        )
        return ContactView(
            name=appeal.contact_name, phone=appeal.contact_phone, masked=False, anonymous=False
        )
    return ContactView(
        name=mask_name(appeal.contact_name),
        phone=mask_phone(appeal.contact_phone),
        masked=True,
        anonymous=False,
    )
