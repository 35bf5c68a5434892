"""Request and response shapes of the mediation endpoints (every input bounded)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from lianxin.mediation.deadlines import MAX_EXTENSION_DAYS
from lianxin.mediation.intake import MAX_PARTIES
from lianxin.mediation.models import (
    NOTE_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    DisputeType,
    PartyRole,
    ReferralTarget,
    RiskReason,
    Status,
)
from lianxin.mediation.selectors import QUEUES

from .schemas import CODE_MAX, MAX_PAGE_SIZE, NO_NUL, StrictIn

DisputeTypeName = Literal[tuple(DisputeType.values)]  # type: ignore[valid-type]
PartyRoleName = Literal[tuple(PartyRole.values)]  # type: ignore[valid-type]
QueueName = Literal[QUEUES]  # type: ignore[valid-type]
StatusName = Literal[tuple(Status.values)]  # type: ignore[valid-type]
ReferralName = Literal[tuple(ReferralTarget.values)]  # type: ignore[valid-type]
RiskName = Literal[tuple(RiskReason.values)]  # type: ignore[valid-type]


class PartyIn(StrictIn):
    role: PartyRoleName  # type: ignore[valid-type]
    name: str = Field(..., min_length=1, max_length=50, pattern=NO_NUL)
    phone: str = Field("", max_length=20, pattern=NO_NUL)
    id_number: str = Field("", max_length=18, pattern=NO_NUL)
    consent: bool = False


class CaseIn(StrictIn):
    title: str = Field(..., min_length=1, max_length=TITLE_MAX_LENGTH)
    description: str = Field(..., min_length=1, max_length=TEXT_MAX_LENGTH)
    dispute_type: DisputeTypeName  # type: ignore[valid-type]
    area: str = Field(..., min_length=1, max_length=CODE_MAX, description="Community or grid code.")
    place: str = Field("", max_length=200)
    parties: list[PartyIn] = Field(..., min_length=2, max_length=MAX_PARTIES)


class FromAppealIn(StrictIn):
    dispute_type: DisputeTypeName  # type: ignore[valid-type]
    respondents: list[PartyIn] = Field(..., min_length=1, max_length=MAX_PARTIES - 1)
    note: str = Field("", max_length=NOTE_MAX_LENGTH)


class NoteIn(StrictIn):
    note: str = Field("", max_length=NOTE_MAX_LENGTH)


class ReasonIn(StrictIn):
    reason: str = Field("", max_length=NOTE_MAX_LENGTH)


class AssignIn(StrictIn):
    mediator: int = Field(..., ge=1, le=2**31 - 1, description="The mediator's user id.")
    reason: str = Field("", max_length=NOTE_MAX_LENGTH, description="Required when reassigning.")


class PartyRefIn(StrictIn):
    party: int = Field(..., ge=1, le=2**31 - 1)


class SessionIn(StrictIn):
    held_at: dt.datetime
    attendees: str = Field(..., min_length=1, max_length=500)
    notes: str = Field(..., min_length=1, max_length=TEXT_MAX_LENGTH)
    place: str = Field("", max_length=200)


class ExtendIn(StrictIn):
    days: int = Field(..., ge=1, le=MAX_EXTENSION_DAYS)
    note: str = Field(..., min_length=1, max_length=NOTE_MAX_LENGTH)


class RiskIn(StrictIn):
    reasons: list[RiskName] = Field(..., min_length=1, max_length=len(RiskReason.values))  # type: ignore[valid-type]
    note: str = Field("", max_length=NOTE_MAX_LENGTH)


class AgreementIn(StrictIn):
    text: str = Field(..., min_length=1, max_length=TEXT_MAX_LENGTH)


class ReferIn(StrictIn):
    target: ReferralName  # type: ignore[valid-type]
    note: str = Field(..., min_length=1, max_length=NOTE_MAX_LENGTH)


class FollowUpIn(StrictIn):
    visited_at: dt.datetime
    kept: bool
    notes: str = Field(..., min_length=1, max_length=NOTE_MAX_LENGTH)


class CaseFilters(StrictIn):
    queue: QueueName | None = None
    status: StatusName | None = None  # type: ignore[valid-type]
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


class PartyOut(Schema):
    id: int
    role: str
    name: str
    phone: str
    id_number: str
    consent: bool
    signed: bool
    masked: bool


class CaseListItem(Schema):
    id: int
    number: str
    title: str
    dispute_type: str
    status: str
    status_label: str
    area: str
    high_risk: bool
    opened_at: dt.datetime
    due_at: dt.datetime | None
    deadline: str


class CaseOut(CaseListItem):
    description: str
    source: str
    place: str
    appeal: str | None
    mediator: str | None
    risk_reasons: list[str]
    extended_days: int
    agreement_text: str
    referral_target: str
    outcome_note: str
    agreement_kept: bool | None
    parties: list[PartyOut]
    allowed_actions: list[str]


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[CaseListItem]


class CaseEventOut(Schema):
    type: str
    label: str
    at: dt.datetime
    actor: str
    from_status: str
    to_status: str
    note: str
