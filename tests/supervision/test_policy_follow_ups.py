"""Follow-up calls (回访), as a role × status matrix of `supervision.policy` through the services.

The follow-up is about an appeal in 幸福一网格 (东街道). Supervisors and admins make the calls, within
their jurisdiction: a supervisor of another street gets the same 404 as for an absent follow-up;
every other role is refused (403). A follow-up already recorded is not recorded again (409).
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from lianxin.appeals.actors import Actor
from lianxin.appeals.models import Status
from lianxin.audit.models import AuditEntry
from lianxin.audit.services import AuditAction
from lianxin.core.errors import ForbiddenError, NotFoundError, TransitionNotAllowedError
from lianxin.org.models import Role, User
from lianxin.supervision import policy, services
from lianxin.supervision.models import FollowUp, FollowUpReason, FollowUpStatus
from tests.factories import AppealFactory, District, staff

pytestmark = pytest.mark.django_db

USERS = (
    "admin",
    "supervisor",
    "supervisor_b",
    "leader_b",
    "handler_city",
    "operator",
    "dispatcher",
    "grid_worker",
    "resident",
)
CALLERS_HERE = {"admin", "supervisor"}
CALLERS_ELSEWHERE = {"supervisor_b"}  # a caller, but the appeal is outside their street: 404


@pytest.fixture
def users(district: District) -> dict[str, User]:
    return {
        "admin": district.admin,
        "supervisor": district.supervisor,
        "leader_b": district.leader_b,
        "supervisor_b": staff(Role.SUPERVISOR, area=district.street_b),
        "handler_city": district.handler_city,
        "operator": district.operator,
        "dispatcher": district.dispatcher,
        "grid_worker": district.grid_worker_a,
        "resident": district.resident,
    }


@pytest.fixture
def follow_up(district: District) -> FollowUp:
    appeal = AppealFactory(status=Status.CLOSED, unit=district.unit_city, area=district.grid_a)
    return FollowUp.objects.create(
        appeal=appeal, unit=district.unit_city, reason=FollowUpReason.DISSATISFIED, sampled_at=timezone.now()
    )


def _expected_refusal(who: str) -> type[Exception] | None:
    if who in CALLERS_HERE:
        return None
    return NotFoundError if who in CALLERS_ELSEWHERE else ForbiddenError


@pytest.mark.parametrize("status", FollowUpStatus.values)
@pytest.mark.parametrize("who", USERS)
def test_recording_the_call(users, follow_up, who, status):
    FollowUp.objects.filter(pk=follow_up.pk).update(status=status)
    refusal = _expected_refusal(who)
    if refusal is None and status != FollowUpStatus.PENDING:
        refusal = TransitionNotAllowedError
    call = {"follow_up": follow_up.pk, "actor": Actor.staff(users[who]), "reached": False}
    if refusal is None:
        services.follow_up_record(**call)
        assert FollowUp.objects.get(pk=follow_up.pk).status == FollowUpStatus.UNREACHABLE
    else:
        with pytest.raises(refusal):
            services.follow_up_record(**call)
        assert FollowUp.objects.get(pk=follow_up.pk).status == status


@pytest.mark.parametrize("who", USERS)
def test_revealing_the_phone_for_the_call(users, follow_up, who):
    refusal = _expected_refusal(who)
    if refusal is None:
        contact = services.follow_up_contact(follow_up=follow_up, actor=Actor.staff(users[who]))
        # whoever makes the call needs the number: supervisors and administrators alike, audited
        assert contact.phone == follow_up.appeal.contact_phone
        assert not contact.masked
        assert AuditEntry.objects.filter(
            action=AuditAction.PERSONAL_DATA_VIEW, actor=users[who], data__purpose="follow_up"
        ).exists()
    else:
        with pytest.raises(refusal):
            services.follow_up_contact(follow_up=follow_up, actor=Actor.staff(users[who]))


@pytest.mark.parametrize("who", USERS)
def test_the_queue_holds_what_the_check_admits(users, follow_up, who):
    """The list (`selectors.follow_ups_visible`) and the check (`ensure_follow_up_caller_for`) agree."""
    user = users[who]
    refusal = _expected_refusal(who)
    if refusal is ForbiddenError:
        with pytest.raises(ForbiddenError):
            policy.follow_up_caller(user)
        return
    from lianxin.supervision.selectors import follow_up_queue

    listed = follow_up_queue(policy.follow_up_caller(user)).filter(pk=follow_up.pk).exists()
    assert listed is (refusal is None)


def test_after_the_call_an_administrator_sees_the_phone_masked_again(users, follow_up):
    """The number is for the call: once the follow-up is done only contact roles still reveal it."""
    FollowUp.objects.filter(pk=follow_up.pk).update(status=FollowUpStatus.DONE)
    follow_up.refresh_from_db()
    assert services.follow_up_contact(follow_up=follow_up, actor=Actor.staff(users["admin"])).masked
    supervisor_view = services.follow_up_contact(follow_up=follow_up, actor=Actor.staff(users["supervisor"]))
    assert supervisor_view.phone == follow_up.appeal.contact_phone
