"""The role × action × status matrix of mediation cases."""

from __future__ import annotations

import pytest

from lianxin.appeals.actors import Actor
from lianxin.mediation.models import FollowUp, Status
from lianxin.mediation.policy import TRANSITIONS, Action, allowed_actions, can, may_see_parties
from lianxin.mediation.selectors import cases_visible_to

from .factories import CaseFactory, mediator, with_parties

pytestmark = pytest.mark.django_db

ROLES = (
    "admin",
    "operator",
    "dispatcher",
    "supervisor",
    "leader_b",
    "handler_city",
    "mediator",
    "other_mediator",
    "requester",
    "other_resident",
)

# Who may act, per action (in a status the action starts from). The leader of the other street, a
# unit's handler, another mediator and another resident may do nothing.
EXPECTED = {
    Action.ACCEPT: {"admin", "operator", "dispatcher", "supervisor"},
    Action.DECLINE: {"admin", "operator", "dispatcher", "supervisor"},
    Action.ASSIGN: {"admin", "operator", "dispatcher", "supervisor"},
    Action.REASSIGN: {"admin", "operator", "dispatcher", "supervisor"},
    Action.RECORD_SESSION: {"mediator"},
    Action.EXTEND: {"admin", "supervisor", "mediator"},
    Action.FLAG_RISK: {"admin", "operator", "dispatcher", "supervisor", "mediator"},
    Action.RECORD_AGREEMENT: {"mediator"},
    Action.SIGN: {"mediator"},
    Action.REFER: {"admin", "supervisor", "mediator"},
    Action.FOLLOW_UP: {"admin", "supervisor", "mediator"},
    Action.CLOSE: {"admin", "supervisor", "mediator"},
    Action.WITHDRAW: {"admin", "operator", "dispatcher", "mediator", "requester"},
    Action.RECORD_CONSENT: {"admin", "operator", "dispatcher", "mediator"},
}


def _actors(district, the_mediator, other_mediator):
    users = {
        "admin": district.admin,
        "operator": district.operator,
        "dispatcher": district.dispatcher,
        "supervisor": district.supervisor,
        "leader_b": district.leader_b,
        "handler_city": district.handler_city,
        "mediator": the_mediator,
        "other_mediator": other_mediator,
    }
    actors = {name: Actor.staff(user) for name, user in users.items()}
    actors["requester"] = Actor.resident(district.resident)
    actors["other_resident"] = Actor.resident(district.other_resident)
    return actors


def _case(district, status, the_mediator):
    case = CaseFactory(
        area=district.community_a,
        status=status,
        requested_by=district.resident,
        mediator=the_mediator if status not in (Status.REQUESTED, Status.ACCEPTED) else None,
    )
    # conditions beyond status hold: consents pending for RECORD_CONSENT; for the others, see below
    with_parties(case, consent=True, signed=False)
    return case


def test_matrix(district):
    the_mediator = mediator(district.community_a)
    other_mediator = mediator(district.community_b, username="mediator_b")
    actors = _actors(district, the_mediator, other_mediator)
    for status in Status.values:
        case = _case(district, status, the_mediator)
        for action, (sources, _target) in TRANSITIONS.items():
            if action == Action.RECORD_CONSENT:
                case.parties.update(consent=False)
            if action == Action.CLOSE:
                case.parties.update(signed_at=case.opened_at)
                FollowUp.objects.create(
                    case=case, visited_at=case.opened_at, kept=True, notes="ok", recorded_by=the_mediator
                )
            for role in ROLES:
                who = EXPECTED[action] - ({"mediator"} if case.mediator_id is None else set())
                expected = status in sources and role in who
                assert can(actors[role], case, action) is expected, (status, action, role)
            case.parties.update(consent=True, signed_at=None)
            case.follow_ups.all().delete()


def test_extension_only_once_and_close_needs_signatures_and_follow_up(district):
    the_mediator = mediator(district.community_a)
    actor = Actor.staff(the_mediator)
    case = with_parties(
        CaseFactory(area=district.community_a, status=Status.IN_MEDIATION, mediator=the_mediator)
    )
    assert Action.EXTEND in allowed_actions(actor, case)
    case.extended_days = 10
    assert not can(actor, case, Action.EXTEND)
    case.status = Status.AGREED
    assert not can(actor, case, Action.CLOSE)  # nobody signed yet
    case.parties.update(signed_at=case.opened_at)
    assert not can(actor, case, Action.CLOSE)  # no follow-up yet
    FollowUp.objects.create(
        case=case, visited_at=case.opened_at, kept=True, notes="ok", recorded_by=the_mediator
    )
    assert can(actor, case, Action.CLOSE)


def test_agreement_needs_every_consent(district):
    the_mediator = mediator(district.community_a)
    case = with_parties(
        CaseFactory(area=district.community_a, status=Status.IN_MEDIATION, mediator=the_mediator),
        consent=False,
    )
    assert not can(Actor.staff(the_mediator), case, Action.RECORD_AGREEMENT)


def test_visibility_and_parties(district):
    the_mediator = mediator(district.community_a)
    other_mediator = mediator(district.community_b, username="mediator_b")
    case = with_parties(
        CaseFactory(
            area=district.community_a,
            status=Status.ASSIGNED,
            mediator=the_mediator,
            requested_by=district.resident,
        )
    )
    visible = {
        u.username
        for u in (
            district.admin,
            district.operator,
            district.dispatcher,
            district.supervisor,
            district.leader_b,
            district.handler_city,
            the_mediator,
            other_mediator,
            district.resident,
            district.other_resident,
        )
        if cases_visible_to(u).filter(pk=case.pk).exists()
    }
    assert visible == {"admin", "operator", "dispatcher", "supervisor", "mediator", "resident"}
    see = {
        u.username
        for u in (
            district.admin,
            district.operator,
            district.dispatcher,
            district.supervisor,
            the_mediator,
            other_mediator,
            district.resident,
        )
        if may_see_parties(u, case)
    }
    assert see == {"admin", "supervisor", "mediator"}


def test_who_may_record_a_dispute_is_one_rule_for_the_web_the_api_and_the_service(district, client):
    """`policy.may_record_dispute`: the web form (GET 200/403), the API (`acts_as_staff_on_intake`
    then the service) and `intake.case_request` agree; leaders oversee and do not record."""
    from lianxin.mediation.policy import acts_as_staff_on_intake, may_record_dispute

    the_mediator = mediator(district.community_a)
    users = {
        "admin": district.admin,
        "operator": district.operator,
        "dispatcher": district.dispatcher,
        "supervisor": district.supervisor,
        "grid_a": district.grid_worker_a,
        "mediator": the_mediator,
        "leader_b": district.leader_b,
        "handler_city": district.handler_city,
        "resident": district.resident,
    }
    recorders = {"admin", "operator", "dispatcher", "supervisor", "grid_a", "mediator"}
    assert {name for name, user in users.items() if may_record_dispute(user)} == recorders
    assert not may_record_dispute(None)
    for name, user in users.items():
        client.force_login(user)
        status = client.get("/mediation/staff/new/").status_code
        assert status == (200 if name in recorders else 403), name
    # the API records as staff for the recorders and the leader (whom the service then refuses)
    assert {name for name, user in users.items() if acts_as_staff_on_intake(user)} == recorders | {"leader_b"}
