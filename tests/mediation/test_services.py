"""The case lifecycle through the services: events, deadlines, risk flags, refusals, the appeal link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.appeals.actors import Actor
from lianxin.appeals.models import Status as AppealStatus
from lianxin.audit.models import AuditEntry
from lianxin.core.errors import ForbiddenError, TransitionNotAllowedError, ValidationFailedError
from lianxin.mediation import deadlines, services
from lianxin.mediation.intake import CaseInput, PartyInput, case_open_from_appeal, case_request
from lianxin.mediation.models import EventType, PartyRole, RiskReason, Source, Status
from lianxin.mediation.privacy import mask_id_number, parties_for
from lianxin.worktime import calendar

from ..factories import AppealFactory
from .factories import mediator

pytestmark = pytest.mark.django_db


def _input(district, **over) -> CaseInput:
    data = {
        "title": "楼上漏水纠纷",
        "description": "楼上卫生间漏水到楼下，双方对维修费用有争议。",
        "dispute_type": "neighbour",
        "area_code": district.community_a.code,
        "place": "幸福小区3栋",
        "parties": [
            PartyInput(role=PartyRole.APPLICANT, name="李建国", phone="13811112222"),
            PartyInput(role=PartyRole.RESPONDENT, name="王秀英", phone="13933334444"),
        ],
    }
    data.update(over)
    return CaseInput(**data)


def test_full_lifecycle_records_one_event_per_step(district):
    the_mediator = mediator(district.community_a)
    m = Actor.staff(the_mediator)
    case = case_request(actor=Actor.resident(district.resident), data=_input(district))
    assert case.number.startswith("TJ")
    assert case.source == Source.DIRECT
    assert case.requested_by == district.resident
    applicant = case.parties.get(role=PartyRole.APPLICANT)
    assert applicant.consent
    assert applicant.user == district.resident
    services.case_accept(case=case, actor=Actor.staff(district.dispatcher))
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    assert case.due_at is not None
    services.case_assign(case=case, actor=Actor.staff(district.dispatcher), mediator=the_mediator)
    respondent = case.parties.get(role=PartyRole.RESPONDENT)
    services.party_record_consent(case=case, actor=m, party=respondent)
    services.case_record_session(
        case=case,
        actor=m,
        held_at=timezone.now() - dt.timedelta(hours=1),
        attendees="李建国、王秀英、调解员老赵",
        notes="双方同意分摊维修费用。",
    )
    services.case_record_agreement(case=case, actor=m, text="王秀英承担维修费用的六成，李建国承担四成。")
    for party in case.parties.all():
        services.case_sign(case=case, actor=m, party=party)
    with pytest.raises(TransitionNotAllowedError, match="回访"):
        services.case_close(case=case, actor=m)
    services.case_follow_up(case=case, actor=m, visited_at=timezone.now(), kept=True, notes="已按协议维修。")
    services.case_close(case=case, actor=m)
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.agreement_kept is True
    assert case.closed_at is not None
    types = list(case.events.values_list("type", flat=True))
    assert types == [
        EventType.REQUESTED,
        EventType.ACCEPTED,
        EventType.ASSIGNED,
        EventType.CONSENTED,
        EventType.SESSION,
        EventType.AGREED,
        EventType.SIGNED,
        EventType.SIGNED,
        EventType.FOLLOWED_UP,
        EventType.CLOSED,
    ]
    audited = AuditEntry.objects.filter(
        object_type="mediation_case", object_id=case.number, action="state_change"
    )
    assert audited.count() == len(types)


def test_refusals_say_what_is_wrong(district):
    the_mediator = mediator(district.community_a)
    case = case_request(actor=Actor.resident(district.resident), data=_input(district))
    with pytest.raises(ForbiddenError):
        services.case_accept(case=case, actor=Actor.staff(district.handler_city))
    with pytest.raises(TransitionNotAllowedError, match="待受理"):
        services.case_assign(case=case, actor=Actor.staff(district.dispatcher), mediator=the_mediator)
    services.case_accept(case=case, actor=Actor.staff(district.dispatcher))
    other = mediator(district.community_b, username="mediator_b")
    with pytest.raises(ValidationFailedError, match="负责该社区"):
        services.case_assign(case=case, actor=Actor.staff(district.dispatcher), mediator=other)
    with pytest.raises(ValidationFailedError) as err:
        case_request(actor=Actor.resident(district.resident), data=_input(district, dispute_type="war"))
    assert err.value.field == "dispute_type"
    with pytest.raises(ValidationFailedError) as err:
        case_request(
            actor=Actor.resident(district.resident),
            data=_input(
                district,
                parties=[
                    PartyInput(role=PartyRole.APPLICANT, name="李建国"),
                    PartyInput(role=PartyRole.RESPONDENT, name="王", phone="12"),
                ],
            ),
        )
    assert err.value.field == "parties[1].phone"
    with pytest.raises(ForbiddenError):
        case_request(actor=Actor.staff(district.handler_city), data=_input(district))


def test_deadline_is_thirty_days_moved_to_a_working_day_and_extends_once(district):
    accepted = dt.datetime(2026, 9, 1, 10, 0, tzinfo=calendar.TZ)  # +30 days = 2026-10-01, National Day
    due = deadlines.mediation_due(accepted)
    assert not calendar.is_workday(dt.date(2026, 10, 1))
    assert due.date() == dt.date(2026, 10, 8)
    assert calendar.is_workday(due.date())
    assert deadlines.mediation_due(dt.datetime(2026, 11, 2, 9, tzinfo=calendar.TZ)).date() == dt.date(
        2026, 12, 2
    )
    the_mediator = mediator(district.community_a)
    case = case_request(actor=Actor.resident(district.resident), data=_input(district))
    services.case_accept(case=case, actor=Actor.staff(district.dispatcher))
    services.case_assign(case=case, actor=Actor.staff(district.dispatcher), mediator=the_mediator)
    case.refresh_from_db()
    before = case.due_at
    with pytest.raises(ValidationFailedError):
        services.case_extend(case=case, actor=Actor.staff(the_mediator), days=31, note="双方同意")
    services.case_extend(case=case, actor=Actor.staff(the_mediator), days=15, note="双方同意延长15天")
    case.refresh_from_db()
    assert case.due_at is not None
    assert before is not None
    assert case.due_at >= before + dt.timedelta(days=15)
    with pytest.raises(TransitionNotAllowedError, match="延长过一次"):
        services.case_extend(case=case, actor=Actor.staff(the_mediator), days=5, note="再延")
    assert (
        deadlines.deadline_state(case.due_at, case.due_at + dt.timedelta(seconds=1), running=True)
        == "overdue"
    )


def test_risk_flags_repeat_parties_and_threats(district):
    first = case_request(actor=Actor.resident(district.resident), data=_input(district))
    assert not first.high_risk
    second = case_request(
        actor=Actor.resident(district.resident),
        data=_input(district, description="对方说再漏水就砍了我家水管，还要报复。"),
    )
    second.refresh_from_db()
    assert second.high_risk
    assert second.priority == 0
    assert set(second.risk_reasons) == {RiskReason.REPEAT_PARTIES, RiskReason.THREATS}
    assert second.events.filter(type=EventType.RISK_FLAGGED, data__automatic=True).exists()


def test_parties_masked_except_for_mediator_and_supervisor_and_each_look_audited(district):
    the_mediator = mediator(district.community_a)
    case = case_request(
        actor=Actor.resident(district.resident),
        data=_input(
            district,
            parties=[
                PartyInput(
                    role=PartyRole.APPLICANT,
                    name="李建国",
                    phone="13811112222",
                    id_number="110101199001011234",
                ),
                PartyInput(role=PartyRole.RESPONDENT, name="王秀英", phone="13933334444"),
            ],
        ),
    )
    services.case_accept(case=case, actor=Actor.staff(district.dispatcher))
    services.case_assign(case=case, actor=Actor.staff(district.dispatcher), mediator=the_mediator)
    case.refresh_from_db()
    before = AuditEntry.objects.filter(action="personal_data_view").count()
    masked = parties_for(district.dispatcher, case)
    assert [p.name for p in masked] == ["李**", "王**"]
    assert masked[0].phone == "138****2222"
    assert masked[0].id_number == "110***********1234"
    assert AuditEntry.objects.filter(action="personal_data_view").count() == before
    full = parties_for(the_mediator, case)
    assert full[0].name == "李建国"
    assert full[0].id_number == "110101199001011234"
    assert parties_for(district.supervisor, case)[1].phone == "13933334444"
    assert AuditEntry.objects.filter(action="personal_data_view", object_id=case.number).count() == 2
    own = parties_for(district.resident, case)  # the applicant sees their own line, the other masked
    assert own[0].name == "李建国"
    assert own[1].name == "王**"
    assert mask_id_number("12345") == "*****"


def test_appeal_turned_into_case_in_one_step(district):
    the_appeal = AppealFactory(
        area=district.community_a,
        unit=district.unit_city,
        status=AppealStatus.ACCEPTED,
        resident=district.resident,
        contact_name="张三",
        contact_phone="13812341234",
    )
    respondent = PartyInput(role=PartyRole.RESPONDENT, name="赵六", phone="13700001111")
    with pytest.raises(ForbiddenError):
        case_open_from_appeal(
            actor=Actor.staff(district.dispatcher),
            appeal=the_appeal,
            dispute_type="neighbour",
            respondents=[respondent],
        )
    case = case_open_from_appeal(
        actor=Actor.staff(district.handler_city),
        appeal=the_appeal,
        dispute_type="neighbour",
        respondents=[respondent],
    )
    the_appeal.refresh_from_db()
    assert case.source == Source.APPEAL
    assert case.appeal == the_appeal
    assert case.requested_by == district.resident
    assert the_appeal.status == AppealStatus.REPLIED
    assert case.number in the_appeal.reply_text
    assert case.parties.get(role=PartyRole.APPLICANT).name == "张三"
    with pytest.raises((ValidationFailedError, ForbiddenError)):
        case_open_from_appeal(
            actor=Actor.staff(district.handler_city),
            appeal=the_appeal,
            dispute_type="neighbour",
            respondents=[respondent],
        )


def test_refer_and_withdraw(district):
    the_mediator = mediator(district.community_a)
    case = case_request(actor=Actor.resident(district.resident), data=_input(district))
    with pytest.raises(ForbiddenError):
        services.case_withdraw(case=case, actor=Actor.resident(district.other_resident))
    services.case_withdraw(case=case, actor=Actor.resident(district.resident))
    case.refresh_from_db()
    assert case.status == Status.WITHDRAWN
    case2 = case_request(actor=Actor.resident(district.resident), data=_input(district))
    services.case_accept(case=case2, actor=Actor.staff(district.supervisor))
    services.case_assign(case=case2, actor=Actor.staff(district.supervisor), mediator=the_mediator)
    with pytest.raises(ValidationFailedError):
        services.case_refer(case=case2, actor=Actor.staff(the_mediator), target="moon", note="x")
    services.case_refer(
        case=case2, actor=Actor.staff(the_mediator), target="court", note="双方分歧大，建议起诉。"
    )
    case2.refresh_from_db()
    assert case2.status == Status.REFERRED
    assert case2.referral_target == "court"


def test_deadline_sweep_flags_once_and_notifies(district, django_capture_on_commit_callbacks):
    from lianxin.mediation.sweeps import sweep_deadlines
    from lianxin.notifications.models import Notification

    the_mediator = mediator(district.community_a)
    case = case_request(actor=Actor.resident(district.resident), data=_input(district))
    services.case_accept(case=case, actor=Actor.staff(district.dispatcher))
    services.case_assign(case=case, actor=Actor.staff(district.dispatcher), mediator=the_mediator)
    case.refresh_from_db()
    assert case.due_at is not None
    assert sweep_deadlines(now=case.due_at - dt.timedelta(days=10)) == {"due_soon": 0, "overdue": 0}
    assert sweep_deadlines(now=case.due_at - dt.timedelta(days=2)) == {"due_soon": 1, "overdue": 0}
    assert sweep_deadlines(now=case.due_at - dt.timedelta(days=1)) == {"due_soon": 0, "overdue": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_deadlines(now=case.due_at + dt.timedelta(hours=1)) == {"due_soon": 0, "overdue": 1}
    assert sweep_deadlines(now=case.due_at + dt.timedelta(hours=2)) == {"due_soon": 0, "overdue": 0}
    assert list(
        case.events.filter(type__in=[EventType.DUE_SOON, EventType.OVERDUE]).values_list("type", flat=True)
    ) == [EventType.DUE_SOON, EventType.OVERDUE]
    assert Notification.objects.filter(user=the_mediator, kind="mediation_overdue").exists()
    assert Notification.objects.filter(user=district.supervisor, kind="mediation_overdue").exists()
    services.case_extend(case=case, actor=Actor.staff(the_mediator), days=10, note="双方同意")
    case.refresh_from_db()
    assert not case.overdue
    assert not case.due_soon


def test_a_request_for_a_department_is_handed_to_the_appeals_intake(district):
    from lianxin.appeals.models import Appeal
    from lianxin.mediation.intake import case_hand_to_appeals

    case = case_request(
        actor=Actor.resident(district.resident),
        data=_input(district, title="工地夜间施工", description="小区旁工地每天夜里施工，噪音很大。"),
    )
    with pytest.raises(ForbiddenError):
        case_hand_to_appeals(actor=Actor.staff(district.handler_city), case=case, reason="属于职能部门")
    assert not Appeal.objects.exists()
    appeal = case_hand_to_appeals(
        actor=Actor.staff(district.dispatcher), case=case, reason="属于职能部门管理的事项"
    )
    case.refresh_from_db()
    assert case.status == Status.DECLINED
    assert appeal.tracking_number in case.outcome_note
    assert appeal.contact_name == "李建国"
    assert appeal.resident == district.resident
    assert appeal.title == "工地夜间施工"


def test_a_grid_worker_records_disputes_in_their_grid_only(district):
    """Staff who record a dispute found on a visit do so within their area; the centre anywhere."""
    inside = case_request(
        actor=Actor.staff(district.grid_worker_a), data=_input(district, area_code=district.grid_a.code)
    )
    assert inside.area == district.grid_a
    with pytest.raises(ForbiddenError) as refused:
        case_request(
            actor=Actor.staff(district.grid_worker_a), data=_input(district, area_code=district.grid_b.code)
        )
    assert refused.value.code == "outside_area"
    anywhere = case_request(
        actor=Actor.staff(district.operator), data=_input(district, area_code=district.grid_b.code)
    )
    assert anywhere.area == district.grid_b
