"""The role × action × state matrix of activities and wishes."""

from __future__ import annotations

import pytest

from lianxin.activities.models import ActivityStatus, WishStatus
from lianxin.activities.policy import (
    ACTIVITY_TRANSITIONS,
    WISH_TRANSITIONS,
    Action,
    WishAction,
    can,
    may_organise_in,
    may_see_wish_contact,
    may_see_wish_detail,
    may_view_activity,
    may_view_wish,
    wish_can,
)
from tests.factories import UserFactory

from .factories import make_activity, make_wish, street_handler

pytestmark = pytest.mark.django_db

ORGANISER_ACTIONS = {
    Action.EDIT,
    Action.PUBLISH,
    Action.CANCEL,
    Action.FINISH,
    Action.VIEW_ROSTER,
    Action.CHECK_IN,
    Action.CONFIRM_HOURS,
}


def _people(district):
    return {
        "admin": district.admin,
        "grid_worker_here": district.grid_worker_a,
        "street_handler_here": street_handler(district),
        "organiser_self": UserFactory(username="self_organiser"),
        "leader_elsewhere": district.leader_b,
        "supervisor": district.supervisor,
        "operator": district.operator,
        "dispatcher": district.dispatcher,
        "department_handler": district.handler_city,
        "resident": district.resident,
        "anonymous": None,
    }


ORGANISERS = {"admin", "grid_worker_here", "street_handler_here", "organiser_self"}
PEOPLE = ORGANISERS | {
    "leader_elsewhere",
    "supervisor",
    "operator",
    "dispatcher",
    "department_handler",
    "resident",
}


def test_activity_matrix(district):
    people = _people(district)
    for status in ActivityStatus.values:
        activity = make_activity(organiser=people["organiser_self"], area=district.grid_a, status=status)
        for who, user in people.items():
            for action, (sources, _target) in ACTIVITY_TRANSITIONS.items():
                allowed_roles = ORGANISERS if action in ORGANISER_ACTIONS else PEOPLE
                expected = status in sources and who in allowed_roles
                assert can(user, activity, action) is expected, (who, action, status)


def test_grid_worker_does_not_organise_above_their_grid(district):
    activity = make_activity(organiser=district.admin, area=district.community_a)
    assert not can(district.grid_worker_a, activity, Action.PUBLISH)
    assert may_organise_in(street_handler(district), district.community_a)
    assert not may_organise_in(district.leader_b, district.community_a)
    assert may_organise_in(district.leader_b, district.grid_b)


def test_drafts_are_seen_by_organisers_only(district):
    draft = make_activity(organiser=district.admin, area=district.grid_a, status=ActivityStatus.DRAFT)
    assert may_view_activity(district.grid_worker_a, draft)
    assert not may_view_activity(district.resident, draft)
    assert not may_view_activity(None, draft)
    draft.status = ActivityStatus.PUBLISHED
    assert may_view_activity(None, draft)


def test_wish_matrix(district):
    people = _people(district)
    claimer = UserFactory(username="claimer")
    people["claimer"] = claimer
    people["beneficiary"] = UserFactory(username="beneficiary")
    for status in WishStatus.values:
        wish = make_wish(
            area=district.grid_a,
            recorded_by=people["organiser_self"],
            status=status,
            beneficiary=people["beneficiary"],
        )
        wish.claimed_by = (
            claimer if status in (WishStatus.CLAIMED, WishStatus.DELIVERED, WishStatus.CLOSED) else None
        )
        cadre = ORGANISERS
        who_may = {
            WishAction.OPEN: cadre,
            WishAction.CLAIM: (set(people) - {"anonymous", "beneficiary"}),
            WishAction.RELEASE: cadre | {"claimer"},
            WishAction.DELIVER: {"claimer"},
            WishAction.CONFIRM: cadre | {"beneficiary"},
            WishAction.CANCEL: cadre | ({"beneficiary"} if status != WishStatus.CLAIMED else set()),
            WishAction.MATCH: cadre,
        }
        for who, user in people.items():
            for action, (sources, _target) in WISH_TRANSITIONS.items():
                expected = status in sources and who in who_may[action]
                assert wish_can(user, wish, action) is expected, (who, action, status)


def test_wish_privacy_predicates(district):
    claimer = UserFactory(username="claimer")
    wish = make_wish(area=district.grid_a, recorded_by=district.grid_worker_a, status=WishStatus.CLAIMED)
    wish.claimed_by = claimer
    assert may_see_wish_contact(district.grid_worker_a, wish)
    assert may_see_wish_contact(street_handler(district), wish)
    assert not may_see_wish_contact(claimer, wish)
    assert may_see_wish_detail(claimer, wish)
    assert not may_see_wish_detail(district.resident, wish)
    assert not may_see_wish_contact(district.supervisor, wish)
    assert may_view_wish(None, wish)
    wish.status = WishStatus.REVIEW
    assert not may_view_wish(None, wish)
    assert not may_view_wish(district.resident, wish)
