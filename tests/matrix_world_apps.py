"""The newer apps' part of the access-matrix world (tests/matrix_world.py): a consultation in its
collecting phase, an activity with a sign-up, a small wish, a social organization, a mediation case
and a course enrolment, each made through its app's real service functions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from lianxin.activities import orgs, wishes
from lianxin.activities import services as activity_services
from lianxin.activities.models import ActivityKind, OrgKind
from lianxin.appeals.actors import Actor
from lianxin.consultations import services as consult_services
from lianxin.consultations.models import HearingKind, Status
from lianxin.consultations.services.budget import ProjectInput, budget_set
from lianxin.core.uploads import AttachmentInput
from lianxin.learning import services as learning_services
from lianxin.mediation import services as mediation_services
from lianxin.mediation.intake import CaseInput, PartyInput, case_request
from lianxin.mediation.models import DisputeType, PartyRole
from lianxin.org.models import Area
from tests.consultations.factories import consultation
from tests.factories import UserFactory
from tests.learning.factories import course
from tests.mediation.factories import mediator

if TYPE_CHECKING:
    from tests.matrix_world import World


def build_apps(w: World) -> None:
    g1 = Area.objects.get(code="G1")
    _consultations(w)
    grid = w.user("grid_a")
    starts = timezone.now() + dt.timedelta(days=2)
    w.activity = activity_services.activity_create(
        actor=grid,
        kind=ActivityKind.VOLUNTEER,
        title="社区清洁志愿服务",
        place="幸福小区广场",
        area=g1,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        capacity=10,
    )
    activity_services.activity_publish(actor=grid, activity=w.activity)
    w.activity2 = activity_services.activity_create(
        actor=grid,
        kind=ActivityKind.CULTURE,
        title="广场舞比赛",
        place="幸福小区广场",
        area=g1,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        capacity=10,
    )
    activity_services.activity_publish(actor=grid, activity=w.activity2)
    w.signup = activity_services.signup_create(actor=w.user("resident"), activity=w.activity)
    w.wish = wishes.wish_record(
        actor=grid,
        title="一件冬衣",
        public_text="一位独居老人希望有一件厚实的冬衣",
        area=g1,
        beneficiary_name="王秀英",
        beneficiary_phone="13700001234",
        detail="住在3栋2单元",
    )
    w.organization = orgs.organization_register(
        actor=grid, name="幸福志愿服务队", kind=OrgKind.VOLUNTEER_TEAM, areas=[g1]
    )
    w.case = case_request(
        actor=Actor.resident(w.user("resident")),
        data=CaseInput(
            title="楼上漏水纠纷",
            description="楼上卫生间漏水到楼下，双方对维修费用有争议。",
            dispute_type=DisputeType.NEIGHBOUR,
            area_code="C1",
            place="幸福小区",
            parties=[
                PartyInput(role=PartyRole.APPLICANT, name="李建国", phone="13811112222"),
                PartyInput(role=PartyRole.RESPONDENT, name="王秀英", phone="13933334444"),
            ],
        ),
    )
    _case_in_mediation(w)
    w.course = course("C-MED-01")
    w.enrolment = learning_services.enrolment_assign(
        actor=w.user("supervisor"), user=w.user("handler_city"), course=w.course, reason="满意度低于目标"
    )
    lesson = w.course.lessons.order_by("order").first()
    assert lesson is not None
    w.lesson = lesson
    for lesson in w.course.lessons.all():  # every lesson done: the quiz is open
        learning_services.lesson_complete(actor=w.user("handler_city"), enrolment=w.enrolment, lesson=lesson)
    _proactive(w)
    _phone_and_photos(w)


def _phone_and_photos(w: World) -> None:
    """A sign-up by verified phone (no account) on the G1 activity; a visit with a photo to house_a."""
    from lianxin.activities import phone_signups
    from lianxin.appeals.attachments import AttachmentInput
    from lianxin.outreach.services import VisitInput, visit_log

    w.phone_signup = phone_signups.signup_create_by_phone(
        activity=w.activity, phone="13700005555", name="赵阿姨"
    )
    w.visit, _created = visit_log(
        actor=w.user("grid_a"),
        data=VisitInput(
            household_id=w.house_a.pk,
            visited_on=timezone.localdate(),
            photos=[AttachmentInput("door.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "image/png")],
        ),
    )
    w.visit_photo = w.visit.photos.get()


def _proactive(w: World) -> None:
    """A proposed task in C1 and an open one owned by unit_city; the resident subscribes to street A; a
    water notice for G1."""
    from lianxin.proactive import services as proactive_services
    from lianxin.proactive.models import ProactiveTask, TaskKind

    c1, cat = Area.objects.get(code="C1"), w.city.category
    w.task_proposed, w.task_open = (
        ProactiveTask.objects.create(
            kind=TaskKind.RECURRING,
            key=f"matrix:{n}",
            title=f"路灯问题反复出现 {n}",
            area=c1,
            category=cat,
            proposed_at=timezone.now(),
        )
        for n in (1, 2)
    )
    proactive_services.task_accept(
        task=w.task_open,
        actor=w.user("supervisor"),
        owner_unit=w.unit_city,
        deadline=timezone.localdate() + dt.timedelta(days=7),
    )
    w.subscription = proactive_services.subscription_create(user=w.user("resident"), area=w.street_a)
    from lianxin.proactive import notices

    start = timezone.now() + dt.timedelta(days=1)
    w.notice = notices.notice_publish(
        actor=w.user("admin"),
        kind="water",
        title="幸福一网格计划停水",
        body="更换水管。",
        area=Area.objects.get(code="G1"),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=4),
    )


def _consultations(w: World) -> None:
    organiser = w.user("handler_city")
    c = consultation(organiser=organiser, unit=w.unit_city, status=Status.DRAFT)
    budget_set(
        actor=organiser,
        consultation=c,
        total=100_000,
        projects=[ProjectInput("增设充电桩", 40_000), ProjectInput("修缮车棚", 30_000)],
    )
    consult_services.consultation_publish(actor=organiser, consultation=c)
    c.refresh_from_db()
    w.consult = c
    resident = UserFactory(username="neighbour")  # not an actor: every actor may support and vote
    w.proposal = consult_services.proposal_add(
        actor=resident, consultation=c, title="增设临时停车位", text="在小区北门外增设十个临时停车位。"
    )
    w.statement = consult_services.statement_add(actor=resident, consultation=c, text="外来车辆应当收费。")
    consult_services.content_moderate(
        actor=organiser, consultation=c, kind="statement", object_id=w.statement.pk, visibility="visible"
    )
    w.hearing = consult_services.hearing_create(
        actor=organiser,
        consultation=c,
        kind=HearingKind.FORUM,
        title="停车管理座谈会",
        starts_at=timezone.now() + dt.timedelta(days=3),
        place="社区活动室",
        capacity=30,
    )
    w.consult_draft = consultation(
        organiser=organiser, unit=w.unit_city, status=Status.DRAFT, title="幸福社区垃圾分类办法（草案）"
    )
    pdf = [AttachmentInput("方案.pdf", b"%PDF-1.4 matrix"), AttachmentInput("附图.pdf", b"%PDF-1.4 spare")]
    w.consult_file, w.consult_file_spare = consult_services.attachments_add(
        actor=organiser, consultation=c, files=pdf
    )
    (w.draft_file,) = consult_services.attachments_add(
        actor=organiser, consultation=w.consult_draft, files=pdf[:1]
    )


def _case_in_mediation(w: World) -> None:
    """A case in C1, accepted, assigned to a mediator who is not an actor, one session held."""
    w.mediator = mediator(Area.objects.get(code="C1"))
    w.mediator_2 = mediator(Area.objects.get(code="C1"), username="mediator2")
    intake, m = Actor.staff(w.user("dispatcher")), Actor.staff(w.mediator)
    case = case_request(
        actor=intake,
        data=CaseInput(
            title="装修噪音纠纷",
            description="邻居装修周末早上七点开始施工，多次沟通未果。",
            dispute_type=DisputeType.NEIGHBOUR,
            area_code="C1",
            parties=[
                PartyInput(role=PartyRole.APPLICANT, name="赵刚", phone="13811113333"),
                PartyInput(role=PartyRole.RESPONDENT, name="钱丽"),
            ],
        ),
    )
    mediation_services.case_accept(case=case, actor=intake)
    mediation_services.case_assign(case=case, actor=intake, mediator=w.mediator)
    for party in case.parties.filter(consent=False):
        mediation_services.party_record_consent(case=case, actor=m, party=party)
    mediation_services.case_record_session(
        case=case,
        actor=m,
        held_at=timezone.now() - dt.timedelta(hours=1),
        attendees="赵刚、钱丽、调解员",
        notes="双方陈述了意见",
    )
    case.refresh_from_db()
    w.case_working = case
