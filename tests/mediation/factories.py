from __future__ import annotations

import factory
from django.utils import timezone

from lianxin.mediation.models import DisputeType, MediationCase, Mediator, Party, PartyRole, Status
from lianxin.org.models import Area, User

from ..factories import ModelFactory, UserFactory


class CaseFactory(ModelFactory[MediationCase]):
    class Meta:
        model = MediationCase

    number = factory.Sequence(lambda n: f"TJ20261201-{n:06d}")
    title = "楼上漏水纠纷"
    description = "楼上卫生间漏水到楼下，双方对维修费用有争议。"
    dispute_type = DisputeType.NEIGHBOUR
    status = Status.REQUESTED
    opened_at = factory.LazyFunction(timezone.now)


def with_parties(case: MediationCase, *, consent: bool = True, signed: bool = False) -> MediationCase:
    now = timezone.now()
    Party.objects.create(
        case=case,
        role=PartyRole.APPLICANT,
        name="李建国",
        phone="13811112222",
        id_number="110101199001011234",
        consent=consent,
        signed_at=now if signed else None,
    )
    Party.objects.create(
        case=case,
        role=PartyRole.RESPONDENT,
        name="王秀英",
        phone="13933334444",
        consent=consent,
        signed_at=now if signed else None,
    )
    return case


def mediator(area: Area, *, username: str = "mediator") -> User:
    user = UserFactory(username=username, display_name="调解员老赵")
    Mediator.objects.create(user=user, area=area)
    return user
