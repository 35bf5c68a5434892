"""Who may do what with webhook subscriptions: the one place.

- administrators manage every subscription, and only they may let one carry personal data;
- a staff member (anyone with a role, e.g. an API token's owner) manages their own subscriptions;
  deliveries only ever carry appeals the owner may see (checked per event in services);
- residents and anonymous visitors nothing.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from lianxin.core.errors import ForbiddenError
from lianxin.org.models import Role
from lianxin.org.selectors import scope_of

from .models import Subscription


def is_admin(user: Any) -> bool:
    return scope_of(user).has(Role.ADMIN)


def may_manage_webhooks(user: Any) -> bool:
    return scope_of(user).is_staff_member


def may_manage(user: Any, subscription: Subscription) -> bool:
    return is_admin(user) or (may_manage_webhooks(user) and subscription.owner_id == user.pk)


def may_carry_personal_data(user: Any) -> bool:
    return is_admin(user)


def ensure_may_manage_webhooks(user: Any) -> None:
    if not may_manage_webhooks(user):
        raise ForbiddenError(_("只有工作人员可以管理事件订阅。"))
