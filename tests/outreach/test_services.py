"""Registering households, assignments with the per-person limit, visits, concern → appeal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from lianxin.appeals.models import Channel, Status
from lianxin.core.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    TransitionNotAllowedError,
    ValidationFailedError,
)
from lianxin.outreach import selectors
from lianxin.outreach.appeals_bridge import concern_to_appeal
from lianxin.outreach.models import ContactAssignment, Household, OutreachEvent, Visit
from lianxin.outreach.services import (
    ConcernInput,
    FollowUpInput,
    HouseholdInput,
    MemberInput,
    VisitInput,
    assignment_create,
    follow_up_done,
    household_register,
    visit_log,
)

from .factories import household


def _input(**over):
    data: dict[str, Any] = {
        "grid_code": "G1",
        "building": "5",
        "room": "101",
        "unit_no": "2",
        "address_detail": "幸福路 90 号",
        "groups": ["独居老人"],
        "members": [MemberInput(name="张桂兰", phone="139-0000-3333", id_number="11010519491231002x")],
    }
    data.update(over)
    return HouseholdInput(**data)


@pytest.mark.django_db
def test_register_encrypts_and_finds_by_exact_phone_and_id(outreach):
    h = household_register(actor=outreach.community_staff_a, data=_input())
    assert [g.group for g in h.groups.all()] == ["elderly_alone"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, phone, id_number, phone_hash FROM outreach_member WHERE household_id = %s", [h.pk]
        )
        name, phone, id_number, phone_hash = cursor.fetchone()
        cursor.execute("SELECT address_detail FROM outreach_household WHERE id = %s", [h.pk])
        (address,) = cursor.fetchone()
    assert "张" not in name
    assert "3333" not in phone
    assert "002" not in id_number
    assert "幸福路" not in address
    assert "3333" not in phone_hash
    staff = outreach.community_staff_a
    assert list(selectors.households_by_identifier(staff, phone="+86 139 0000 3333")) == [h]
    assert list(selectors.households_by_identifier(staff, id_number="11010519491231002X")) == [h]
    assert not selectors.households_by_identifier(staff, phone="13900003334").exists()
    # someone who may not see personal data finds nothing, even with the exact number
    assert not selectors.households_by_identifier(outreach.leader_a, phone="13900003333").exists()
    assert OutreachEvent.objects.filter(type="registered", household=h).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"grid_code": "NOPE"}, "grid"),
        ({"building": "3栋#"}, "building"),
        ({"members": [MemberInput(name="张三", phone="12345")]}, "members.phone"),
        ({"members": [MemberInput(name="张三", id_number="123")]}, "members.id_number"),
        ({"members": [MemberInput(name="")]}, "members.name"),
        ({"groups": ["外星人"]}, "groups"),
    ],
)
def test_register_refuses_bad_input_with_the_field(outreach, over, field):
    with pytest.raises(ValidationFailedError) as error:
        household_register(actor=outreach.community_staff_a, data=_input(**over))
    assert error.value.field == field


@pytest.mark.django_db
def test_register_refuses_a_duplicate_door_and_other_grids(outreach):
    household_register(actor=outreach.d.grid_worker_a, data=_input())
    with pytest.raises(ConflictError):
        household_register(actor=outreach.d.grid_worker_a, data=_input())
    with pytest.raises(ForbiddenError):
        household_register(actor=outreach.d.grid_worker_a, data=_input(grid_code="G2"))
    with pytest.raises(ForbiddenError):
        household_register(actor=outreach.leader_a, data=_input(room="102"))


@pytest.mark.django_db
def test_reassignment_keeps_history_and_the_limit_holds(outreach, settings):
    settings.LIANXIN = {**settings.LIANXIN, "OUTREACH_HOUSEHOLD_LIMIT": 2}
    staff = outreach.community_staff_a
    first = outreach.house_a.assignments.get()
    new = assignment_create(actor=staff, cadre=outreach.other_cadre, household=outreach.house_a)
    first.refresh_from_db()
    assert first.ended_on == timezone.localdate()
    assert new.ended_on is None
    assert ContactAssignment.objects.filter(household=outreach.house_a).count() == 2
    with pytest.raises(ConflictError):
        assignment_create(actor=staff, cadre=outreach.other_cadre, household=outreach.house_a)
    h2 = household(outreach.d.grid_a, room="202")
    h3 = household(outreach.d.grid_a, room="203")
    assignment_create(actor=staff, cadre=outreach.other_cadre, household=h2)
    with pytest.raises(ConflictError) as error:
        assignment_create(actor=staff, cadre=outreach.other_cadre, household=h3)
    assert error.value.code == "limit_reached"
    with pytest.raises(NotFoundError):  # may not manage household B
        assignment_create(actor=staff, cadre=outreach.other_cadre, household=outreach.house_b)


def _visit(h, **over):
    data = {
        "household_id": h.pk,
        "visited_on": timezone.localdate(),
        "said": "老人说楼道灯坏了，希望装扶手。",
        "concerns": [
            ConcernInput(text="楼道灯不亮", category_code="CJ-LD"),
            ConcernInput(text="想了解养老补贴", solved_on_spot=True),
        ],
        "follow_ups": [
            FollowUpInput(text="帮助申请扶手", due_on=timezone.localdate() + dt.timedelta(days=7))
        ],
        "client_ref": "draft-1",
    }
    data.update(over)
    return VisitInput(**data)


@pytest.mark.django_db
def test_visit_log_is_idempotent_per_draft_and_refuses_strangers(outreach):
    visit, created = visit_log(actor=outreach.cadre, data=_visit(outreach.house_a))
    again, created_again = visit_log(actor=outreach.cadre, data=_visit(outreach.house_a))
    assert created
    assert not created_again
    assert again.pk == visit.pk
    assert visit.concerns.count() == 2
    assert visit.follow_ups.count() == 1
    with pytest.raises(NotFoundError):
        visit_log(actor=outreach.other_cadre, data=_visit(outreach.house_a, client_ref="x"))
    with pytest.raises(NotFoundError):
        visit_log(actor=outreach.leader_a, data=_visit(outreach.house_a, client_ref="y"))
    with pytest.raises(ValidationFailedError):
        visit_log(
            actor=outreach.cadre,
            data=_visit(
                outreach.house_a, client_ref="z", visited_on=timezone.localdate() + dt.timedelta(days=1)
            ),
        )
    with pytest.raises(ValidationFailedError):
        visit_log(
            actor=outreach.cadre,
            data=_visit(
                outreach.house_a, client_ref="w", concerns=[ConcernInput(text="x", category_code="NOPE")]
            ),
        )
    assert Visit.objects.count() == 1
    follow = visit.follow_ups.get()
    assert list(selectors.my_follow_ups(outreach.cadre)) == [follow]
    follow_up_done(actor=outreach.cadre, follow_up=follow)
    assert not selectors.my_follow_ups(outreach.cadre).exists()
    with pytest.raises(ConflictError):
        follow_up_done(actor=outreach.cadre, follow_up=follow)


@pytest.mark.django_db
def test_concern_becomes_an_appeal_in_one_step_and_the_loop_closes(outreach):
    from lianxin.appeals.actors import Actor
    from lianxin.appeals.services import appeal_dispatch

    visit, _created = visit_log(actor=outreach.cadre, data=_visit(outreach.house_a))
    concern, solved = visit.concerns.order_by("pk")
    appeal = concern_to_appeal(actor=outreach.cadre, concern=concern, consent=True)
    assert appeal.channel == Channel.VISIT
    assert appeal.area == outreach.d.grid_a
    assert appeal.contact_phone == "13812345678"
    assert appeal.contact_consent
    assert not appeal.is_anonymous
    assert appeal.category is not None
    assert appeal.category.code == "CJ-LD"
    submitted = appeal.events.get(type="submitted")
    assert submitted.actor_id == outreach.cadre.pk  # the cadre is the reporter
    concern.refresh_from_db()
    assert concern.appeal == appeal
    with pytest.raises(ConflictError):
        concern_to_appeal(actor=outreach.cadre, concern=concern, consent=True)
    with pytest.raises(ConflictError):  # solved on the spot: no appeal
        concern_to_appeal(actor=outreach.cadre, concern=solved, consent=True)
    with pytest.raises(NotFoundError):
        concern_to_appeal(actor=outreach.other_cadre, concern=concern, consent=True)
    # the visit shows the appeal's fate as it moves on
    if appeal.status == Status.SUBMITTED:
        appeal_dispatch(appeal=appeal, actor=Actor.staff(outreach.d.dispatcher), unit=outreach.d.unit_city)
    shown = selectors.my_visits(outreach.cadre)[0].concerns.get(pk=concern.pk).appeal
    assert shown is not None
    assert shown.status == Status.DISPATCHED
    with pytest.raises(TransitionNotAllowedError):
        appeal_dispatch(appeal=shown, actor=Actor.staff(outreach.d.dispatcher), unit=outreach.d.unit_city)


@pytest.mark.django_db
def test_without_consent_the_appeal_is_anonymous(outreach):
    visit, _c = visit_log(actor=outreach.cadre, data=_visit(outreach.house_a))
    appeal = concern_to_appeal(actor=outreach.cadre, concern=visit.concerns.order_by("pk")[0], consent=False)
    assert appeal.is_anonymous
    assert appeal.contact_phone == ""
    assert appeal.contact_name == ""
    assert Household.objects.get(pk=outreach.house_a.pk).members.get().phone == "13812345678"


@pytest.mark.django_db
def test_visit_log_keeps_the_latest_visit_date_and_live_coverage_reads_it(outreach):
    from lianxin.outreach import coverage

    today = timezone.localdate()
    visit_log(
        actor=outreach.cadre,
        data=_visit(outreach.house_a, client_ref="a", visited_on=today - dt.timedelta(days=3)),
    )
    visit_log(
        actor=outreach.cadre,
        data=_visit(outreach.house_a, client_ref="b", visited_on=today - dt.timedelta(days=9)),
    )
    outreach.house_a.refresh_from_db()
    assert outreach.house_a.last_visited_on == today - dt.timedelta(
        days=3
    )  # an older visit entered later keeps it
    live = {r.household_id: r.last_visit for r in coverage.coverage_rows(Household.objects.all(), today)}
    yesterday = {
        r.household_id: r.last_visit
        for r in coverage.coverage_rows(Household.objects.all(), today - dt.timedelta(days=1))
    }
    assert live == yesterday == {outreach.house_a.pk: today - dt.timedelta(days=3), outreach.house_b.pk: None}
