"""Need-to-know on households: role × action, the predicate and the queryset filter agreeing."""

from __future__ import annotations

import pytest

from lianxin.audit.models import AuditEntry
from lianxin.outreach import policy
from lianxin.outreach.models import Household
from lianxin.outreach.privacy import members_for
from lianxin.outreach.services import assignment_end

A = policy.Action
V, P, M, L = A.VIEW, A.VIEW_PERSONAL, A.MANAGE, A.LOG_VISIT

# who → the actions allowed on household A (grid G1, community C1, street S1); all others refused
MATRIX_A = {
    "admin": {V, P, M, L},
    "grid_a": {V, P, M, L},
    "sq_a": {V, P, M, L},  # the community's staff
    "cadre": {V, P, L},  # the household's assigned cadre
    "leader_a": {V},  # leader of the street above: masked only
    "point_cadre": {V},  # 联系点 of community C1
    "cadre2": set(),
    "grid_b": set(),  # a grid worker of another grid
    "leader_b": set(),  # leader of the other street
    "operator": set(),
    "dispatcher": set(),
    "supervisor": set(),
    "handler_city": set(),
    "resident": set(),
}


def _user(outreach, name):
    from lianxin.org.models import User

    return User.objects.get(username=name)


@pytest.mark.django_db
@pytest.mark.parametrize("username", sorted(MATRIX_A))
@pytest.mark.parametrize("action", [V, P, M, L])
def test_matrix_on_household_a(outreach, username, action):
    user = _user(outreach, username)
    allowed = action in MATRIX_A[username]
    assert policy.can(user, outreach.house_a, action) is allowed
    in_queryset = Household.objects.filter(
        policy.households_visible_q(user, action), pk=outreach.house_a.pk
    ).exists()
    assert in_queryset is allowed


@pytest.mark.django_db
def test_anonymous_sees_nothing(outreach):
    from django.contrib.auth.models import AnonymousUser

    assert not policy.can(AnonymousUser(), outreach.house_a, V)  # type: ignore[arg-type]
    assert not Household.objects.filter(policy.households_visible_q(None)).exists()


@pytest.mark.django_db
def test_ending_the_assignment_ends_the_cadres_access(outreach):
    assignment = outreach.house_a.assignments.get()
    assignment_end(actor=outreach.d.admin, assignment=assignment, reason="调整")
    outreach.cadre.__dict__.pop("_lianxin_scope", None)
    assert not policy.can(outreach.cadre, outreach.house_a, V)
    assignment.refresh_from_db()
    assert assignment.ended_on is not None  # kept, with its end date: the history stays


@pytest.mark.django_db
def test_grid_worker_b_sees_household_b_only(outreach):
    visible = set(Household.objects.filter(policy.households_visible_q(outreach.grid_worker_b)))
    assert visible == {outreach.house_b}


@pytest.mark.django_db
def test_reveal_is_audited_and_masked_otherwise(outreach):
    before = AuditEntry.objects.filter(action="personal_data_view").count()
    masked = members_for(outreach.leader_a, outreach.house_a, reveal=True)  # may not reveal: masked
    assert masked[0].masked
    assert masked[0].name == "王**"
    assert masked[0].phone == "138****5678"
    assert AuditEntry.objects.filter(action="personal_data_view").count() == before
    shown = members_for(outreach.cadre, outreach.house_a, reveal=True, purpose="visit")
    assert not shown[0].masked
    assert shown[0].phone == "13812345678"
    entry = AuditEntry.objects.filter(action="personal_data_view").latest("seq")
    assert entry.object_type == "household"
    assert entry.object_id == str(outreach.house_a.pk)
    assert entry.actor_id == outreach.cadre.pk
    assert entry.data["purpose"] == "visit"
    assert "13812345678" not in str(entry.data)
    unasked = members_for(outreach.cadre, outreach.house_a)  # allowed but not asked: masked, not logged
    assert unasked[0].masked
    assert AuditEntry.objects.filter(action="personal_data_view").count() == before + 1
