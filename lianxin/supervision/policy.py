"""Who may do what in supervision: the one place views and services ask.

(The first rule moved here; the rest of supervision's role checks — orders, warnings, dashboards —
are still in its views and services: issue 11.)
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from lianxin.core.errors import Forbidden
from lianxin.org.models import Role
from lianxin.org.selectors import Scope

FOLLOW_UP_CALLERS = (Role.SUPERVISOR, Role.ADMIN)


def may_call_back(scope: Scope) -> bool:
    """Follow-up calls (回访) are made by supervisors and administrators, within their jurisdiction."""
    return scope.has(*FOLLOW_UP_CALLERS)


def ensure_may_call_back(scope: Scope) -> None:
    if not may_call_back(scope):
        raise Forbidden(_("回访仅由督查员和管理员进行。"))
