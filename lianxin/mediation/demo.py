"""Demo data for mediation: mediators in the first communities and cases in every state, made
through the services (so each has its events and audit entries). Called once by `lianxin seed`."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from lianxin.appeals.actors import Actor
from lianxin.org.models import Area, AreaLevel, Role, User

from . import services
from .intake import CaseInput, PartyInput, case_request
from .models import DisputeType, MediationCase, Mediator, MediatorKind, PartyRole

DEMO_MEDIATOR = "mediator"
MEDIATION_COMMUNITIES = 4
CASES_PER_COMMUNITY = 8

STORIES = [
    (DisputeType.NEIGHBOUR, "楼上漏水纠纷", "楼上卫生间漏水到楼下，双方对维修费用分担有争议。"),
    (DisputeType.NEIGHBOUR, "装修噪音纠纷", "邻居装修周末早上七点开始施工，多次沟通未果。"),
    (DisputeType.FAMILY, "赡养老人纠纷", "三兄妹对母亲的赡养费和轮流照顾安排意见不一。"),
    (DisputeType.PROPERTY, "物业费纠纷", "业主认为电梯长期故障未修，拒交物业费，物业公司要求补缴。"),
    (DisputeType.LABOUR, "拖欠工资纠纷", "装修工人称包工头拖欠两个月工资共八千元。"),
    (DisputeType.CONSUMER, "预付卡退费纠纷", "健身房停业，会员要求退还预付卡余额。"),
    (DisputeType.NEIGHBOUR, "占用楼道纠纷", "邻居在楼道堆放杂物，影响通行和消防安全。"),
    (DisputeType.PROPERTY, "停车位纠纷", "业主车位被他人长期占用，与物业和占用人发生争执。"),
]
AGREEMENTS = (
    "双方自愿达成如下协议：一、{a}；二、双方今后互相谅解，和睦相处；三、本协议履行完毕后双方再无其他争议。"
)
STEPS = [
    "requested",
    "accepted",
    "assigned",
    "in_mediation",
    "agreed",
    "closed",
    "closed",
    "referred",
    "withdrawn",
]


def _mediator_users(communities: list[Area]) -> list[User]:
    password = make_password("lianxin-demo")
    users = []
    for i, community in enumerate(communities):
        username = DEMO_MEDIATOR if i == 0 else f"mediator-{community.code.lower()}"
        user, _created = User.objects.get_or_create(
            username=username, defaults={"display_name": f"{community.name}调解员", "password": password}
        )
        Mediator.objects.get_or_create(user=user, area=community, defaults={"kind": MediatorKind.PEOPLES})
        users.append(user)
    return users


def seed_mediation(*, seed: int = 1) -> int:
    """Create the demo mediators and cases; returns the number of cases (0 when already seeded)."""
    if MediationCase.objects.exists():
        return 0
    rng = random.Random(seed)
    communities = list(
        Area.objects.filter(level=AreaLevel.COMMUNITY).order_by("path")[:MEDIATION_COMMUNITIES]
    )
    dispatcher = User.objects.filter(roles__role=Role.DISPATCHER).exclude(username="api-demo").first()
    residents = list(User.objects.filter(username__startswith="jm").order_by("username")[:200])
    if not communities or dispatcher is None or len(residents) < 2:
        return 0
    mediators = _mediator_users(communities)
    count = 0
    for community, mediator in zip(communities, mediators, strict=True):
        for i in range(CASES_PER_COMMUNITY):
            applicant, respondent = rng.sample(residents, 2)
            _one_case(
                community=community,
                mediator=mediator,
                dispatcher=dispatcher,
                applicant=applicant,
                respondent=respondent,
                story=STORIES[(count + i) % len(STORIES)],
                until=STEPS[(count + i) % len(STEPS)],
            )
        count += CASES_PER_COMMUNITY
    return count


def _one_case(
    *,
    community: Area,
    mediator: User,
    dispatcher: User,
    applicant: User,
    respondent: User,
    story: tuple[str, str, str],
    until: str,
) -> None:
    kind, title, text = story
    resident = Actor.resident(applicant)
    case = case_request(
        actor=resident,
        data=CaseInput(
            title=title,
            description=text,
            dispute_type=kind,
            area_code=community.code,
            place=f"{community.name}小区",
            parties=[
                PartyInput(role=PartyRole.APPLICANT, name=applicant.display_name, phone=applicant.phone),
                PartyInput(role=PartyRole.RESPONDENT, name=respondent.display_name, phone=respondent.phone),
            ],
        ),
    )
    if until == "requested":
        return
    if until == "withdrawn":
        services.case_withdraw(case=case, actor=resident, reason="双方已自行和解。")
        return
    staff, m = Actor.staff(dispatcher), Actor.staff(mediator)
    services.case_accept(case=case, actor=staff)
    if until == "accepted":
        return
    services.case_assign(case=case, actor=staff, mediator=mediator)
    if until == "assigned":
        return
    for party in case.parties.filter(consent=False):
        services.party_record_consent(case=case, actor=m, party=party)
    services.case_record_session(
        case=case,
        actor=m,
        held_at=timezone.now() - dt.timedelta(hours=2),
        attendees=f"{applicant.display_name}、{respondent.display_name}、{mediator.display_name}",
        notes="调解员讲解相关法律规定，双方陈述意见，初步形成解决方案。",
    )
    if until == "in_mediation":
        return
    if until == "referred":
        services.case_refer(
            case=case, actor=m, target="court", note="双方对赔偿金额分歧较大，告知可向人民法院起诉。"
        )
        return
    services.case_record_agreement(case=case, actor=m, text=AGREEMENTS.format(a="维修费用由双方按六比四分担"))
    if until == "agreed":
        return
    for party in case.parties.all():
        services.case_sign(case=case, actor=m, party=party)
    services.case_follow_up(
        case=case, actor=m, visited_at=timezone.now(), kept=True, notes="回访双方，协议已履行。"
    )
    services.case_close(case=case, actor=m, note="协议履行完毕，结案。")
