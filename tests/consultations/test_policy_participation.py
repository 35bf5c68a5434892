"""Policy: what residents may do, by role × action × current phase, and the audience rules."""

from __future__ import annotations

import pytest
from django.utils import timezone

from lianxin.consultations.models import PhaseType, ResidentProfile, Status
from lianxin.consultations.policy import Action, can, ensure_allowed
from lianxin.core.errors import ForbiddenError, TransitionNotAllowedError

from .factories import PHASE_ORDER, consultation

PARTICIPATION = [
    Action.COMMENT,
    Action.RATE,
    Action.ANSWER_SURVEY,
    Action.ADD_STATEMENT,
    Action.VOTE,
    Action.ADD_PROPOSAL,
    Action.SUPPORT_PROPOSAL,
    Action.VOTE_BUDGET,
]
PHASES = [None, *PHASE_ORDER]  # None: before the first phase
ROLES = ["anonymous", "resident", "other_staff", "organiser", "admin"]


@pytest.fixture
def by_phase(people):
    d = people.d
    return {p: consultation(organiser=people.organiser, unit=d.unit_city, current=p) for p in PHASES}


@pytest.mark.parametrize("action", PARTICIPATION)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("phase", PHASES)
def test_participation_only_while_collecting_and_logged_in(people, by_phase, action, role, phase):
    user, c = people.by_role(role), by_phase[phase]
    expected = phase == PhaseType.COLLECTING and user is not None
    assert can(user, c, action) is expected
    if not expected:
        # the phase is checked first: outside collecting everyone hears "not in this phase" (409)
        error = ForbiddenError if phase == PhaseType.COLLECTING else TransitionNotAllowedError
        with pytest.raises(error):
            ensure_allowed(user, c, action)


@pytest.mark.parametrize("status", [Status.DRAFT, Status.CLOSED, Status.ARCHIVED])
def test_no_participation_outside_published_even_while_collecting(people, status):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city, status=status)
    assert not any(can(people.resident, c, a) for a in PARTICIPATION)


@pytest.mark.parametrize("action", [Action.GIVE_FEEDBACK, Action.PUBLISH_DECISION])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("phase", PHASES)
def test_feedback_and_decision_after_collecting(people, by_phase, action, role, phase):
    allowed_phases = {PhaseType.REVIEW, PhaseType.DECISION, PhaseType.FEEDBACK}
    if action == Action.PUBLISH_DECISION:
        allowed_phases = {PhaseType.REVIEW, PhaseType.DECISION}
    expected = role in ("organiser", "admin") and phase in allowed_phases
    assert can(people.by_role(role), by_phase[phase], action) is expected


def test_feedback_at_any_time_once_closed(people):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city, status=Status.CLOSED)
    assert can(people.organiser, c, Action.GIVE_FEEDBACK)
    assert not can(people.resident, c, Action.GIVE_FEEDBACK)
    assert not can(people.other_staff, c, Action.GIVE_FEEDBACK)


def test_verified_phone_audience(people):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city, audience="verified_phone")
    assert not can(people.resident, c, Action.COMMENT)
    with pytest.raises(ForbiddenError, match="验证手机号"):
        ensure_allowed(people.resident, c, Action.COMMENT)
    ResidentProfile.objects.create(
        user=people.resident, verified_phone="13900001111", phone_verified_at=timezone.now()
    )
    assert can(people.resident, c, Action.COMMENT)


def test_area_residents_audience(people):
    d = people.d
    c = consultation(organiser=people.organiser, unit=d.unit_city, audience="area_residents", area=d.street_a)
    assert not can(people.resident, c, Action.COMMENT)  # no home area yet
    ResidentProfile.objects.create(user=people.resident, home_area=d.community_b)  # the other street
    assert not can(people.resident, c, Action.COMMENT)
    with pytest.raises(ForbiddenError, match="东街道"):
        ensure_allowed(people.resident, c, Action.COMMENT)
    ResidentProfile.objects.filter(user=people.resident).update(home_area=d.grid_a)  # inside 东街道
    assert can(people.resident, c, Action.COMMENT)
