"""Finding appeals by the resident's phone (issue 10, defect 2).

A masked phone (138****0274) must not be recoverable by searching: only roles that may see phones
search by phone, only by the exact, whole number, each search rate-limited per user and written to
the audit log; for every other role a query that is only digits is refused rather than matched
against anything that could hold a phone.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.crypto import phone_lookup_hash
from lianxin.core.errors import ForbiddenError
from lianxin.core.ratelimit import check_rate
from lianxin.org.models import User
from lianxin.org.selectors import scope_of

from .policy import CONTACT_ROLES
from .privacy import mask_phone

PHONE_QUERY = re.compile(r"\+?\d{7,15}")
DIGITS_ONLY = re.compile(r"\d{4,}")


def phone_query(text: str) -> str | None:
    """The phone a search box's text stands for (spaces and dashes dropped), or None."""
    digits = re.sub(r"[\s-]", "", text)
    return digits if PHONE_QUERY.fullmatch(digits) else None


def may_search_by_phone(user: User) -> bool:
    return scope_of(user).has(*CONTACT_ROLES)


def refuse_digit_fragments(user: User, text: str) -> None:
    """A role that may not see phones gets no search by digits alone: such a query could only
    confirm a phone's digits (in a title or a text), never find a place."""
    if DIGITS_ONLY.fullmatch(re.sub(r"\s", "", text)) and not may_search_by_phone(user):
        raise ForbiddenError(
            _("您的角色不能按号码查找诉求，请按受理编号或诉求内容查找。"), code="phone_search_refused"
        )


def phone_digest(phone: str) -> str:
    """A keyed digest of the number searched for, kept in the audit log instead of the number."""
    return hmac.new(settings.SECRET_KEY.encode(), phone.encode(), hashlib.sha256).hexdigest()[:32]


def phone_search_q(*, user: User, phone: str, purpose: str = "search") -> Q:
    """Appeals with exactly this contact phone (never an anonymous one), for a role that may see
    phones; the search is counted against the user's limit and audited."""
    if not may_search_by_phone(user):
        raise ForbiddenError(
            _("您的角色不能按联系电话查找诉求，请按受理编号或诉求内容查找。"), code="phone_search_refused"
        )
    check_rate(
        f"phone-search:{user.pk}",
        settings.LIANXIN["PHONE_SEARCH_RATE"],
        message=_("按电话查找过于频繁：{period}最多 {limit} 次，请 {wait}后再试。"),
    )
    audit_append(
        action=AuditAction.PERSONAL_DATA_VIEW,
        object_type="phone_search",
        object_id=mask_phone(phone),
        actor=user,
        data={"purpose": purpose, "phone_digest": phone_digest(phone)},
    )
    return Q(contact_phone_hash=phone_lookup_hash(phone), is_anonymous=False)
