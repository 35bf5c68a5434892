"""Request and response shapes of the JSON API.

Every request string declares `max_length`, every number its range and every choice its values, so
the OpenAPI document says exactly what is accepted (and a schema-driven fuzzer can probe the edges).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from lianxin.appeals.models import (
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Channel,
    Kind,
    ReplyResult,
    Satisfaction,
    Status,
    Urgency,
)
from lianxin.appeals.services import NOTE_MAX_LENGTH

CODE_MAX = 40
TRACKING_MAX = 20
PROOF_MAX = 12
MAX_PAGE_SIZE = 100
# Base64 grows data by 4/3; the decoded size is checked against MAX_ATTACHMENT_BYTES by intake.
ATTACHMENT_B64_MAX = (settings.LIANXIN["MAX_ATTACHMENT_BYTES"] * 4) // 3 + 4

# The names `appeals.selectors.queue` knows (the staff workbench's queues).
QueueName = Literal[
    "to_dispatch",
    "returned",
    "to_accept",
    "in_progress",
    "extensions",
    "due_soon",
    "overdue",
    "awaiting_rating",
    "closed",
    "all",
]


# No NUL characters: PostgreSQL cannot store them, and no person types them.
NO_NUL = r"^[^\x00]*$"


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("不能包含 NUL（\\x00）控制字符。")
        return value


# --- requests ---------------------------------------------------------------------------------------


class AttachmentIn(StrictIn):
    name: str = Field(..., min_length=1, max_length=200, description="File name, e.g. `photo.png`.")
    content_type: str = Field(
        "",
        max_length=60,
        description="Declared MIME type; must match the content (JPEG, PNG, GIF, WebP, PDF).",
    )
    content_base64: str = Field(
        ..., min_length=1, max_length=ATTACHMENT_B64_MAX, description="The file's bytes, base64-encoded."
    )


class AppealSubmitIn(StrictIn):
    text: str = Field(
        ..., max_length=TEXT_MAX_LENGTH, description="What happened, where, what should be done."
    )
    title: str = Field("", max_length=TITLE_MAX_LENGTH, description="Defaults to the start of the text.")
    kind: Kind = Kind.COMPLAINT
    category: str = Field("", max_length=CODE_MAX, description="Category code (see /categories).")
    area: str = Field("", max_length=CODE_MAX, description="Area code (see /areas).")
    address: str = Field("", max_length=200)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20, description="Required unless `anonymous` is true.")
    contact_consent: bool = Field(
        False, description="The resident agrees to be contacted; required with a phone."
    )
    anonymous: bool = False
    callback_phone: str = Field(
        "",
        max_length=20,
        description="Anonymous appeals only: a number for the call-back, sealed (never shown or searchable; "
        "the call-back is placed by the telephony).",
    )
    channel: Channel | None = Field(
        None, description="Staff tokens only (hotline, visit, import); others: `api`."
    )
    urgency: Urgency | None = Field(None, description="Staff tokens only; otherwise set by triage.")
    attachments: list[AttachmentIn] = Field(
        default_factory=list, max_length=settings.LIANXIN["MAX_ATTACHMENTS"]
    )


class NoteIn(StrictIn):
    note: str = Field("", max_length=NOTE_MAX_LENGTH)


class UnitNoteIn(StrictIn):
    unit: str = Field(..., min_length=1, max_length=CODE_MAX, description="Unit code (see /units).")
    note: str = Field("", max_length=NOTE_MAX_LENGTH)


class ReasonIn(StrictIn):
    reason: str = Field(..., max_length=NOTE_MAX_LENGTH)


class TextIn(StrictIn):
    text: str = Field(..., max_length=TEXT_MAX_LENGTH)


class ReplyIn(TextIn):
    result: ReplyResult | None = Field(
        None,
        description="The unit's result (办理结果): `resolved` 解决, `partly` 部分解决, `unresolved` 未解决, "
        "`explained` 解释说明.",
    )
    contacted: Literal["", "phone", "visit", "sms", "other"] = Field(
        "",
        description=(
            "Also record that the unit reached the resident (联系群众), and how; empty: not recorded."
        ),
    )


class ExtensionIn(StrictIn):
    working_days: int = Field(..., ge=1, le=30)
    reason: str = Field(..., max_length=NOTE_MAX_LENGTH)


class ExtensionDecisionIn(StrictIn):
    approve: bool
    note: str = Field("", max_length=NOTE_MAX_LENGTH, description="Required when refusing.")


class MergeIn(StrictIn):
    into: str = Field(
        ..., min_length=1, max_length=TRACKING_MAX, description="Tracking number of the main appeal."
    )
    note: str = Field("", max_length=NOTE_MAX_LENGTH)


class ReclassifyIn(StrictIn):
    category: str = Field(
        "", max_length=CODE_MAX, description="New category code (see /categories); empty: unchanged."
    )
    area: str = Field(
        "",
        max_length=CODE_MAX,
        description="New area code, a community or grid (see /areas); empty: unchanged.",
    )
    reason: str = Field(
        ..., max_length=NOTE_MAX_LENGTH, description="Why the classification is corrected (required)."
    )


class ProofIn(StrictIn):
    proof: str = Field(
        "",
        max_length=PROOF_MAX,
        description="Last four digits of the contact phone, or the query code of an anonymous appeal. "
        "Not needed when calling as the resident's own account.",
    )


class RateIn(ProofIn):
    satisfaction: Satisfaction
    solved: bool | None = None
    comment: str = Field("", max_length=500)


class ReopenIn(ProofIn):
    reason: str = Field(..., max_length=NOTE_MAX_LENGTH)


class WithdrawIn(ProofIn):
    reason: str = Field("", max_length=NOTE_MAX_LENGTH)


class RevealIn(StrictIn):
    purpose: str = Field(..., min_length=1, max_length=200, description="Why the contact is needed (logged).")


class AppealFilters(StrictIn):
    status: Status | None = None
    kind: Kind | None = None
    category: str = Field("", max_length=CODE_MAX, description="Category code; includes its subcategories.")
    area: str = Field("", max_length=CODE_MAX, description="Area code; includes the areas inside it.")
    unit: str = Field("", max_length=CODE_MAX, description="Code of the main handling unit.")
    urgency: Urgency | None = None
    channel: Channel | None = None
    submitted_from: dt.date | None = Field(None, description="Submitted on or after this date (YYYY-MM-DD).")
    submitted_to: dt.date | None = Field(None, description="Submitted on or before this date (YYYY-MM-DD).")
    overdue: bool | None = None
    queue: QueueName | None = Field(
        None,
        description="A named work queue, in its own order; `extensions`: accepted appeals whose extension "
        "request (延期) awaits a decision you may take.",
    )
    q: str = Field("", max_length=100, description="Text search in tracking number, title and text.")
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


# --- responses --------------------------------------------------------------------------------------


class ErrorOut(Schema):
    error: str
    message: str
    field: str | None = None


class Ref(Schema):
    code: str
    name: str


class ContactOut(Schema):
    name: str
    phone: str
    masked: bool
    anonymous: bool


class AttachmentOut(Schema):
    name: str
    content_type: str
    size: int


class AppealOut(Schema):
    tracking_number: str
    title: str
    text: str
    kind: str
    kind_label: str
    channel: str
    status: str
    status_label: str
    category: Ref | None
    area: Ref | None
    address: str
    latitude: float | None
    longitude: float | None
    unit: Ref | None
    urgency: str
    submitted_at: dt.datetime
    dispatched_at: dt.datetime | None
    accepted_at: dt.datetime | None
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    accept_due_at: dt.datetime | None
    resolve_due_at: dt.datetime | None
    due_soon: bool
    overdue: bool
    reply_text: str
    reply_result: str = Field(
        "", description='The unit\'s result type with the reply (ReplyResult); "" if none.'
    )
    satisfaction: str
    solved: bool | None
    rating_comment: str
    reopen_count: int
    merged_into: str | None
    contact: ContactOut
    attachments: list[AttachmentOut]
    allowed_actions: list[str]
    staff_view: bool = Field(description="True when the caller sees the appeal as staff.")
    return_count: int | None = None
    chase_count: int | None = None
    accept_overdue: bool | None = None
    co_handlers: list[Ref] | None = None
    suggestion: dict[str, Any] | None = None


class SubmitOut(Schema):
    tracking_number: str
    created: bool
    status: str
    access_code: str | None = Field(
        None, description="Query code for an anonymous appeal without phone; shown once, keep it."
    )
    appeal: AppealOut


class AppealListItem(Schema):
    tracking_number: str
    title: str
    kind: str
    status: str
    status_label: str
    channel: str
    urgency: str
    category: Ref | None
    area: Ref | None
    unit: Ref | None
    submitted_at: dt.datetime
    resolve_due_at: dt.datetime | None
    due_soon: bool
    overdue: bool
    chase_count: int = Field(0, description="催办/补充 recorded on the appeal (staff lists)")
    contact: ContactOut


class AppealPage(Schema):
    count: int = Field(
        description="the matching appeals: exact up to 1,000, beyond that an estimate (see count_exact)"
    )
    count_exact: bool = Field(
        True,
        description="false when count is PostgreSQL's estimate (more than 1,000 matches): "
        "show it as about N; pages follows count, and a page past it may still hold rows",
    )
    page: int
    page_size: int
    pages: int
    results: list[AppealListItem]


class EventOut(Schema):
    type: str
    label: str
    at: dt.datetime
    actor: str
    unit: Ref | None
    from_status: str
    to_status: str
    note: str


class CategoryOut(Schema):
    code: str
    name: str
    parent: str | None
    level: int
    path: str


class AreaOut(Schema):
    code: str
    name: str
    parent: str | None
    level: str
    path: str


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    area: str


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    units: list[str]
    areas: list[str]
