"""The parties' personal data as each reader may see it; every unmasked look is audited."""

from __future__ import annotations

from dataclasses import dataclass

from lianxin.appeals.privacy import mask_name
from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.masking import mask_phone
from lianxin.org.models import User

from .models import MediationCase, Party
from .policy import may_see_parties


def mask_id_number(id_number: str) -> str:
    """`110101199001011234` → `110***********1234`: the region prefix and the last four stay."""
    value = (id_number or "").strip()
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


@dataclass(frozen=True)
class PartyView:
    id: int
    role: str
    role_label: str
    name: str
    phone: str
    id_number: str
    consent: bool
    signed: bool
    masked: bool


def _may_reveal(user: User | None, case: MediationCase) -> bool:
    token_scopes = getattr(user, "api_scopes", None)  # set when the caller came with an API token
    if token_scopes is not None and "contact" not in token_scopes:
        return False
    return may_see_parties(user, case)


def parties_for(user: User | None, case: MediationCase, *, purpose: str = "view") -> list[PartyView]:
    """The case's parties for `user`: in full for its mediator and supervisors (one audit entry
    per look, naming the fields), masked for everyone else. A resident who is a party sees their
    own line in full (it is their own data) and the others masked."""
    reveal = _may_reveal(user, case)
    parties = list(case.parties.all())
    if reveal and parties:
        audit_append(
            action=AuditAction.PERSONAL_DATA_VIEW,
            object_type="mediation_case",
            object_id=case.number,
            actor=user,
            data={
                "fields": ["name", "phone", "id_number"],
                "parties": [p.pk for p in parties],
                "purpose": purpose,
            },
        )
    return [_view(p, full=reveal or (user is not None and p.user_id == user.pk)) for p in parties]


def _view(party: Party, *, full: bool) -> PartyView:
    return PartyView(
        id=party.pk,
        role=party.role,
        role_label=party.get_role_display(),
        name=party.name if full else mask_name(party.name),
        phone=party.phone if full else mask_phone(party.phone),
        id_number=party.id_number if full else mask_id_number(party.id_number),
        consent=party.consent,
        signed=party.signed_at is not None,
        masked=not full,
    )
