"""Request and response shapes of `/api/v1/activities…`; every input bounded."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema

from lianxin.api.schemas import NO_NUL, StrictIn

from .models import MAX_CAPACITY, NOTE_MAX, TEXT_MAX, TITLE_MAX

CODE_MAX = 40
ActivityKindIn = Literal["forum", "visit", "volunteer", "culture"]
OrgKindIn = Literal["social_org", "provider", "volunteer_team"]
AreaCode = Annotated[str, Field(min_length=1, max_length=CODE_MAX)]
Tag = Annotated[str, Field(max_length=20)]
WishVerb = Literal["open", "claim", "release", "deliver", "confirm", "cancel"]


class ActivityIn(StrictIn):
    kind: ActivityKindIn
    title: str = Field(..., min_length=1, max_length=TITLE_MAX)
    place: str = Field(..., min_length=1, max_length=200)
    area: str = Field(..., min_length=1, max_length=CODE_MAX, description="Area code, from /areas.")
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int = Field(..., ge=1, le=MAX_CAPACITY)
    description: str = Field("", max_length=TEXT_MAX)
    organization_id: int | None = Field(None, ge=1, le=2**31 - 1)
    visit_notes: str = Field("", max_length=TEXT_MAX)


class CapacityIn(StrictIn):
    capacity: int = Field(..., ge=1, le=MAX_CAPACITY)


class ReasonIn(StrictIn):
    reason: str = Field(..., min_length=1, max_length=NOTE_MAX)


class CodeIn(StrictIn):
    code: str = Field(
        ..., min_length=1, max_length=64, description="The check-in code from the organiser's QR."
    )


class ConfirmHoursIn(StrictIn):
    approve: bool = True
    minutes: int | None = Field(None, ge=1, le=7 * 24 * 60)


class WishIn(StrictIn):
    title: str = Field(..., min_length=1, max_length=TITLE_MAX)
    public_text: str = Field(..., min_length=1, max_length=300, description="What the public sees; no names.")
    area: str = Field(..., min_length=1, max_length=CODE_MAX)
    beneficiary_name: str = Field(..., min_length=1, max_length=50)
    beneficiary_phone: str = Field("", max_length=20)
    detail: str = Field("", max_length=TEXT_MAX)
    category: str = Field("", max_length=40)
    anonymous: bool = True


class WishRaiseIn(StrictIn):
    title: str = Field(..., min_length=1, max_length=TITLE_MAX)
    detail: str = Field(..., min_length=1, max_length=TEXT_MAX)
    area: str = Field(..., min_length=1, max_length=CODE_MAX)
    category: str = Field("", max_length=40)
    anonymous: bool = True


class WishActIn(StrictIn):
    text: str = Field(
        "",
        max_length=NOTE_MAX,
        description="public text (open), reason (release, cancel), note (deliver) or thank-you (confirm).",
    )
    organization_id: int | None = Field(
        None, ge=1, le=2**31 - 1, description="claim on behalf of (member only)"
    )


class ActivityOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    description: str
    place: str
    area: str
    area_name: str
    organization: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    confirmed: int
    waiting: int
    status: str
    my_signup: str | None = None
    my_waiting_position: int | None = None
    allowed_actions: list[str] = []


class SignupOut(Schema):
    id: int
    activity_id: int
    status: str
    waiting_position: int | None
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None


class RosterOut(Schema):
    signup_id: int
    name: str
    phone: str
    status: str
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    by_phone: bool = False  # signed up with a verified phone, no account


class HoursOut(Schema):
    id: int
    activity_id: int
    activity: str
    person: str
    started_at: dt.datetime
    ended_at: dt.datetime
    minutes: int
    status: str
    verification_code: str | None


class LedgerOut(Schema):
    total_minutes: int
    total_hours: float
    pending_minutes: int
    entries: list[HoursOut]


class VerifyOut(Schema):
    person: str
    activity: str
    organization: str | None
    started_at: dt.datetime
    minutes: int


class WishOut(Schema):
    id: int
    title: str
    public_text: str
    category: str
    area: str
    area_name: str
    status: str
    status_label: str
    claimer: str
    thanks: str
    created_at: dt.datetime
    detail: str = ""
    beneficiary: str = ""
    phone: str = ""
    allowed_actions: list[str] = []


class SuggestionOut(Schema):
    kind: str
    id: int
    name: str
    score: float
    reasons: list[str]


class ProjectOut(Schema):
    title: str
    description: str
    started_on: dt.date
    ended_on: dt.date | None


class OrganizationOut(Schema):
    id: int
    name: str
    kind: str
    registration_number: str
    categories: list[str]
    areas: list[str]
    description: str
    contact_name: str
    contact_phone: str
    activities: int
    volunteers: int
    hours: float
    wishes_fulfilled: int
    projects: list[ProjectOut] = []


class OrganizationIn(StrictIn):
    name: str = Field(..., min_length=1, max_length=TITLE_MAX)
    kind: OrgKindIn
    areas: list[AreaCode] = Field(..., min_length=1, max_length=20)
    registration_number: str = Field("", max_length=40)
    categories: list[Tag] = Field([], max_length=20)
    description: str = Field("", max_length=TEXT_MAX)
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20)


class ListQuery(Schema):
    area: str = Field("", max_length=CODE_MAX, pattern=NO_NUL)
    kind: Literal["", "forum", "visit", "volunteer", "culture"] = ""
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=100)
