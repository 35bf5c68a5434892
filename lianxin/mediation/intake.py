"""Opening a mediation case: a party asks, a cadre records a dispute found on a visit, or a unit
turns an appeal into a case in one step (the appeal is answered through the appeals' own services).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals import policy as appeal_policy
from lianxin.appeals import services as appeal_services
from lianxin.appeals.actors import Actor
from lianxin.appeals.intake import AppealInput, appeal_submit
from lianxin.appeals.models import Appeal, Channel, Kind
from lianxin.core.errors import ForbiddenError, ValidationFailedError
from lianxin.core.phones import PhoneInvalidError, normalise_cn_phone
from lianxin.org.models import Area, AreaLevel, User
from lianxin.worktime import calendar

from . import events, policy
from .models import (
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    DisputeType,
    EventType,
    MediationCase,
    Party,
    PartyRole,
    RiskReason,
    Source,
    Status,
)
from .services import clean_text, flag_risk_locked, record_event

MAX_PARTIES = 10
ID_RE = re.compile(r"^\d{17}[\dXx]$")
REPEAT_WINDOW_DAYS = 365
# Words that signal threats or violence (过激言行): the case is flagged for the community at once.
THREAT_WORDS = ("砍", "杀了", "弄死", "同归于尽", "报复", "跳楼", "放火", "拼命", "打死")


@dataclass(frozen=True)
class PartyInput:
    role: str
    name: str
    phone: str = ""
    id_number: str = ""
    consent: bool = False
    user_id: int | None = None


@dataclass(frozen=True)
class CaseInput:
    title: str
    description: str
    dispute_type: str
    area_code: str
    parties: list[PartyInput] = field(default_factory=list)
    place: str = ""


def _area(code: str) -> Area:
    area = Area.objects.filter(code=code, level__in=(AreaLevel.COMMUNITY, AreaLevel.GRID)).first()
    if area is None:
        raise ValidationFailedError(_("请选择纠纷所在的社区或网格（区域编码）。"), field="area")
    return area


def _clean_party(i: int, p: PartyInput) -> Party:
    where = f"parties[{i}]"
    if p.role not in PartyRole.values:
        raise ValidationFailedError(_("当事人身份只能是申请人或被申请人。"), field=f"{where}.role")
    name = clean_text(p.name, field=f"{where}.name", what=_("当事人姓名"), limit=50)
    phone = ""
    if (p.phone or "").strip():
        try:
            phone = normalise_cn_phone(p.phone)
        except PhoneInvalidError as e:
            raise ValidationFailedError(str(e), field=f"{where}.phone") from None
    id_number = (p.id_number or "").strip().upper()
    if id_number and not ID_RE.match(id_number):
        raise ValidationFailedError(_("身份证号应为 18 位（最后一位可以是 X）。"), field=f"{where}.id_number")
    now = timezone.now()
    party = Party(
        role=p.role,
        name=name,
        phone=phone,
        id_number=id_number,
        consent=p.consent,
        consent_at=now if p.consent else None,
        user_id=p.user_id,
    )
    party.set_lookup_hashes()
    return party


def _validated(data: CaseInput) -> tuple[dict[str, object], list[Party]]:
    if data.dispute_type not in DisputeType.values:
        raise ValidationFailedError(
            _("请选择纠纷类型：{choices}。").format(choices="、".join(DisputeType.values)),
            field="dispute_type",
        )
    if not 2 <= len(data.parties) <= MAX_PARTIES:
        raise ValidationFailedError(
            _("调解需要至少两方当事人（申请人和被申请人），最多 {max} 人。").format(max=MAX_PARTIES),
            field="parties",
        )
    parties = [_clean_party(i, p) for i, p in enumerate(data.parties)]
    roles = {p.role for p in parties}
    if roles != {PartyRole.APPLICANT, PartyRole.RESPONDENT}:
        raise ValidationFailedError(_("请至少填写一位申请人和一位被申请人。"), field="parties")
    fields: dict[str, object] = {
        "title": clean_text(data.title, field="title", what=_("纠纷概要"), limit=TITLE_MAX_LENGTH),
        "description": clean_text(
            data.description, field="description", what=_("纠纷情况"), limit=TEXT_MAX_LENGTH
        ),
        "dispute_type": data.dispute_type,
        "area": _area(data.area_code),
        "place": clean_text(data.place, field="place", what=_("纠纷地点"), required=False, limit=200),
    }
    return fields, parties


def _risk_reasons(case: MediationCase, parties: list[Party]) -> list[str]:
    """Automatic flags: a party already in another case this year, or threatening words."""
    reasons: list[str] = []
    since = timezone.now() - dt.timedelta(days=REPEAT_WINDOW_DAYS)
    q = Q()
    for p in parties:
        if p.phone_hash:
            q |= Q(phone_hash=p.phone_hash)
        if p.id_hash:
            q |= Q(id_hash=p.id_hash)
    if q and Party.objects.filter(q, case__opened_at__gte=since).exclude(case=case).exists():
        reasons.append(RiskReason.REPEAT_PARTIES)
    text = f"{case.title} {case.description}"
    if any(word in text for word in THREAT_WORDS):
        reasons.append(RiskReason.THREATS)
    return reasons


def _create(
    *,
    actor: Actor,
    fields: dict[str, object],
    parties: list[Party],
    source: str,
    requested_by: User | None,
    appeal: Appeal | None = None,
) -> MediationCase:
    now = timezone.now()
    case = MediationCase.objects.create(
        number=f"tmp-{uuid.uuid4().hex[:16]}",
        source=source,
        requested_by=requested_by,
        appeal=appeal,
        opened_at=now,
        status=Status.REQUESTED,
        **fields,
    )
    case.number = f"TJ{now.astimezone(calendar.TZ):%Y%m%d}-{case.pk:06d}"
    case.save(update_fields=["number"])
    for p in parties:
        p.case = case
    Party.objects.bulk_create(parties)
    record_event(
        case,
        EventType.REQUESTED,
        actor,
        to_status=Status.REQUESTED,
        data=events.Opened(
            source=source, appeal=appeal.tracking_number if appeal else "", parties=len(parties)
        ).as_data(),
    )
    reasons = _risk_reasons(case, parties)
    if reasons:
        flag_risk_locked(case=case, actor=Actor.automatic(), reasons=reasons, automatic=True)
    return case


@transaction.atomic
def case_request(*, actor: Actor, data: CaseInput) -> MediationCase:
    """A resident asks for mediation (申请调解), or a cadre records a dispute found on a visit."""
    if actor.user is None:
        raise ForbiddenError(_("请先登录再申请调解：调解员需要与您联系。"), code="login_required")
    fields, parties = _validated(data)
    if actor.resident_owner:
        source, requested_by = Source.DIRECT, actor.user
        applicants = [p for p in parties if p.role == PartyRole.APPLICANT]
        applicants[0].user_id, applicants[0].consent = actor.user.pk, True  # asking is consenting
        applicants[0].consent_at = timezone.now()
    else:
        policy.ensure_may_record_dispute(actor.user)
        area = fields["area"]
        if not isinstance(area, Area) or not policy.may_record_in(actor, area):
            raise ForbiddenError(
                _("只能登记您负责区域内的纠纷：这个社区或网格不在您的辖区。"), code="outside_area"
            )
        source, requested_by = Source.VISIT, None
    return _create(actor=actor, fields=fields, parties=parties, source=source, requested_by=requested_by)


APPEAL_REPLY = (
    "您反映的问题属于{type}，已转入人民调解（案号 {number}）。调解员将与各方当事人联系，"
    "在自愿、平等的基础上组织调解；调解进度可在“我的调解”中查看。"
)


@transaction.atomic
def case_open_from_appeal(
    *, actor: Actor, appeal: Appeal | int, dispute_type: str, respondents: list[PartyInput], note: str = ""
) -> MediationCase:
    """Turn an appeal that is a dispute into a mediation case in one step (诉求转调解).

    The unit that accepted the appeal does it: the case is opened with the appellant as applicant
    (their consent to contact stands for consent to mediation) and the appeal is answered with the
    case number through `appeals.services.appeal_reply`, so its own rules, events and rating apply."""
    found = (
        Appeal.objects.select_related("area")
        .filter(pk=appeal.pk if isinstance(appeal, Appeal) else appeal)
        .first()
    )
    if found is None or not appeal_policy.can(actor, found, appeal_policy.Action.REPLY):
        raise ForbiddenError(_("只有已签收该诉求的承办人可以把它转为调解案件。"))
    if hasattr(found, "mediation_case"):
        raise ValidationFailedError(
            _("该诉求已经转为调解案件 {number}。").format(number=found.mediation_case.number)
        )
    if found.is_anonymous or not found.contact_name:
        raise ValidationFailedError(_("匿名诉求不能转为调解：调解需要当事人实名参加。"), field="appeal")
    area = found.area
    if area is None or area.level not in (AreaLevel.COMMUNITY, AreaLevel.GRID):
        raise ValidationFailedError(
            _("该诉求没有落到社区或网格，请先改分类到具体社区再转调解。"), field="appeal"
        )
    applicant = PartyInput(
        role=PartyRole.APPLICANT,
        name=found.contact_name,
        phone=found.contact_phone,
        consent=found.contact_consent,
        user_id=found.resident_id,
    )
    text = found.text if not note else f"{found.text}\n\n{note}"
    fields, parties = _validated(
        CaseInput(
            title=found.title,
            description=text[:TEXT_MAX_LENGTH],
            dispute_type=dispute_type,
            area_code=area.code,
            parties=[applicant, *respondents],
            place=found.address,
        )
    )
    case = _create(
        actor=actor,
        fields=fields,
        parties=parties,
        source=Source.APPEAL,
        requested_by=found.resident,
        appeal=found,
    )
    appeal_services.appeal_reply(
        appeal=found,
        actor=actor,
        text=APPEAL_REPLY.format(type=DisputeType(dispute_type).label, number=case.number),
    )
    return case


@transaction.atomic
def case_hand_to_appeals(*, actor: Actor, case: MediationCase | int, reason: str) -> Appeal:
    """A request that is not a dispute between residents but a matter for a government department
    (e.g. an unlicensed construction site) is declined here and handed to the appeals intake
    (`appeals.intake.appeal_submit`), with the applicant as contact; the appeal then follows its
    own dispatch and deadlines. One step: the case is declined (事件“不予受理”) naming the appeal."""
    from .policy import Action, ensure_allowed
    from .services import case_decline, locked

    found = locked(case)
    ensure_allowed(actor, found, Action.DECLINE)
    applicant = found.parties.filter(role=PartyRole.APPLICANT).first()
    result = appeal_submit(
        data=AppealInput(
            text=found.description,
            title=found.title,
            kind=Kind.HELP,
            channel=Channel.WEB if found.source == Source.DIRECT else Channel.VISIT,
            area_code=found.area.code,
            address=found.place,
            contact_name=applicant.name if applicant else "",
            contact_phone=applicant.phone if applicant else "",
            contact_consent=True,
        ),
        actor=actor,
        resident=found.requested_by,
    )
    note = clean_text(reason, field="reason", what=_("转为诉求的理由"))
    case_decline(
        case=found,
        actor=actor,
        reason=_("{reason}（已转为诉求 {tracking}）").format(
            reason=note, tracking=result.appeal.tracking_number
        ),
    )
    return result.appeal
