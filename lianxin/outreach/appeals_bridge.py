"""A concern raised on a visit becomes an appeal in one step, through the appeals intake service.

The channel is `visit` (走访), the cadre who made the visit is the reporter (the event's actor), the
area is the household's grid. The resident's contact goes with it only if they consented there and
then (`consent`); otherwise the appeal is anonymous — no name, no phone — like every anonymous appeal.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.appeals.actors import Actor
from lianxin.appeals.intake import AppealInput, appeal_submit
from lianxin.appeals.models import Appeal, Channel, Kind
from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.errors import ConflictError, NotFoundError, ValidationFailedError
from lianxin.org.models import User

from . import policy
from .events import ConcernToAppeal, record
from .models import Concern, Member


def concern_to_appeal(
    *, actor: User, concern: Concern, consent: bool, member: Member | None = None, kind: str = Kind.HELP
) -> Appeal:
    visit = concern.visit
    household = visit.household
    if not policy.can(actor, household, policy.Action.LOG_VISIT):
        raise NotFoundError(_("问题不存在或您无权处理。"))
    if concern.appeal_id is not None:
        raise ConflictError(
            _("该问题已转为诉求 {number}。").format(number=concern.appeal.tracking_number),  # type: ignore[union-attr]
            code="already_appeal",
        )
    if concern.solved_on_spot:
        raise ConflictError(_("该问题已当场解决，无需转为诉求。"), code="solved_on_spot")
    if member is not None and member.household_id != household.pk:
        raise ValidationFailedError(_("联系人应为这户的成员。"), field="member")
    contact = member or household.members.order_by("pk").first()
    with_contact = bool(consent and contact is not None and contact.phone)
    if consent and not with_contact:
        raise ValidationFailedError(
            _("这户没有登记电话，无法留下联系方式；请补登电话或以匿名方式提交。"), field="consent"
        )
    data = AppealInput(
        text=concern.text,
        kind=kind,
        channel=Channel.VISIT,
        category_code=concern.category.code if concern.category else "",
        area_code=household.grid.code,
        address=f"{household.grid.name} {household.door_label()}",
        contact_name=contact.name if with_contact and contact else "",
        contact_phone=contact.phone if with_contact and contact else "",
        contact_consent=with_contact,
        anonymous=not with_contact,
    )
    with transaction.atomic():
        result = appeal_submit(
            data=data, actor=Actor.staff(actor), idempotency_key=f"outreach-concern-{concern.pk}"
        )
        concern.appeal = result.appeal
        concern.save(update_fields=["appeal"])
        record(
            ConcernToAppeal(concern=concern.pk, appeal=result.appeal.tracking_number, consent=with_contact),
            actor=actor,
            household=household,
        )
        audit_append(
            action=AuditAction.STATE_CHANGE,
            object_type="outreach_concern",
            object_id=concern.pk,
            actor=actor,
            data={"appeal": result.appeal.tracking_number, "resident_consent": with_contact},
        )
    return result.appeal
