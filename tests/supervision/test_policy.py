"""Supervision's policy, as a role matrix: who may make follow-up calls (回访)."""

from __future__ import annotations

import pytest

from lianxin.core.errors import ForbiddenError
from lianxin.org.models import Role
from lianxin.org.selectors import scope_of
from lianxin.supervision.policy import ensure_may_call_back, may_call_back
from tests.factories import staff

pytestmark = pytest.mark.django_db

ALLOWED = {Role.SUPERVISOR, Role.ADMIN}


@pytest.mark.parametrize("role", list(Role))
def test_follow_up_calls_per_role(role):
    scope = scope_of(staff(role))
    assert may_call_back(scope) is (role in ALLOWED)
    if role in ALLOWED:
        ensure_may_call_back(scope)
    else:
        with pytest.raises(ForbiddenError, match="回访仅由督查员和管理员进行"):
            ensure_may_call_back(scope)
