"""Residents' personal data as each user may see it: masked by default, unmasked only for those who
go to the door (`policy.Action.VIEW_PERSONAL`) when they ask for it, and every such look audited."""

from __future__ import annotations

from dataclasses import dataclass

from lianxin.appeals.privacy import mask_name
from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.masking import mask_phone
from lianxin.org.models import User

from . import policy
from .models import Household, Member


@dataclass(frozen=True)
class MemberView:
    id: int
    relation: str
    name: str
    phone: str
    id_number: str
    masked: bool


def mask_id_number(value: str) -> str:
    """`11010519491231002X` → `110***********002X`."""
    if not value:
        return ""
    return f"{value[:3]}{'*' * max(1, len(value) - 7)}{value[-4:]}"


def mask_address(value: str) -> str:
    return (value[:6] + "…") if value else ""


def may_reveal(user: User | None, household: Household) -> bool:
    return policy.can(user, household, policy.Action.VIEW_PERSONAL)


def members_for(
    user: User | None, household: Household, *, reveal: bool = False, purpose: str = ""
) -> list[MemberView]:
    """The members of a household as `user` may see them; `reveal` (when allowed) shows them in clear
    and writes one audit entry naming the fields and the purpose."""
    members = list(household.members.all())
    show = reveal and may_reveal(user, household)
    if show:
        audit_append(
            action=AuditAction.PERSONAL_DATA_VIEW,
            object_type="household",
            object_id=household.pk,
            actor=user,
            data={
                "fields": ["name", "phone", "id_number", "address_detail"],
                "members": [m.pk for m in members],
                "purpose": purpose or "view",
            },
        )
    return [_view(m, masked=not show) for m in members]


def _view(member: Member, *, masked: bool) -> MemberView:
    if not masked:
        return MemberView(
            member.pk, member.get_relation_display(), member.name, member.phone, member.id_number, False
        )
    return MemberView(
        member.pk,
        member.get_relation_display(),
        mask_name(member.name),
        mask_phone(member.phone),
        mask_id_number(member.id_number),
        True,
    )


def address_for(user: User | None, household: Household, *, revealed: bool) -> str:
    """The address detail: in clear only inside a revealed (audited) view."""
    if revealed and may_reveal(user, household):
        return household.address_detail
    return mask_address(household.address_detail)
