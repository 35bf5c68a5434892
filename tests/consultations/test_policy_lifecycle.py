"""Policy: viewing, editing and the status transitions, by role × status."""

from __future__ import annotations

import pytest

from lianxin.consultations.models import Status
from lianxin.consultations.policy import Action, can, ensure_allowed
from lianxin.core.errors import ForbiddenError, NotFoundError, TransitionNotAllowedError

from .factories import consultation

ROLES = ["anonymous", "resident", "other_staff", "organiser", "admin"]
STATUSES = [Status.DRAFT, Status.PUBLISHED, Status.CLOSED, Status.ARCHIVED]
STAFF = {"organiser", "admin"}

# action -> the statuses in which the organiser (and admin) may do it
STAFF_ACTIONS = {
    Action.EDIT: {Status.DRAFT},
    Action.PUBLISH: {Status.DRAFT},
    Action.CLOSE: {Status.PUBLISHED},
    Action.ARCHIVE: {Status.CLOSED},
    Action.MODERATE: {Status.PUBLISHED, Status.CLOSED},
}


@pytest.fixture
def by_status(people):
    d = people.d
    return {s: consultation(organiser=people.organiser, unit=d.unit_city, status=s) for s in STATUSES}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", STATUSES)
def test_view(people, by_status, role, status):
    expected = status != Status.DRAFT or role in STAFF
    assert can(people.by_role(role), by_status[status], Action.VIEW) is expected
    if not expected:
        with pytest.raises(NotFoundError):
            ensure_allowed(people.by_role(role), by_status[status], Action.VIEW)


@pytest.mark.parametrize("action", sorted(STAFF_ACTIONS))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", STATUSES)
def test_staff_actions(people, by_status, action, role, status):
    expected = role in STAFF and status in STAFF_ACTIONS[action]
    user, c = people.by_role(role), by_status[status]
    assert can(user, c, action) is expected
    if expected:
        ensure_allowed(user, c, action)
    elif status == Status.DRAFT and role not in STAFF:
        with pytest.raises(NotFoundError):
            ensure_allowed(user, c, action)
    else:
        with pytest.raises(ForbiddenError if role not in STAFF else TransitionNotAllowedError):
            ensure_allowed(user, c, action)


def test_report_needs_login_and_an_open_or_closed_consultation(people, by_status):
    assert can(people.resident, by_status[Status.PUBLISHED], Action.REPORT)
    assert can(people.resident, by_status[Status.CLOSED], Action.REPORT)
    assert not can(people.resident, by_status[Status.ARCHIVED], Action.REPORT)
    assert not can(None, by_status[Status.PUBLISHED], Action.REPORT)
