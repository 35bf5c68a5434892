"""The centre's side of the appeal loop over the API: reply review (审核 approve / reject), the
call-back (回访) an operator records for the resident, a chase (催办) or supplement (补充), and the
field roles' records: the unit reaching the resident (联系群众) and a grid worker's work on the spot.

Handlers parse, authorise (the appeal must be visible to the caller; the policy decides the rest
inside the services) and call the existing service functions. Rating a merged appeal goes through
`POST /appeals/{tracking_number}/rate` (appeals.py), which rates the survivor's reply when the
appeal was merged.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router

from lianxin.appeals import services
from lianxin.appeals.models import Satisfaction
from lianxin.appeals.services import NOTE_MAX_LENGTH

from . import schemas as s
from .appeals import ERRORS, TrackingNumber, _attachments, _detail, _resident_or_staff, _staff_actor
from .auth import PUBLIC_AUTH, STAFF_AUTH

router = Router(tags=["appeals"])


class CallbackIn(s.StrictIn):
    outcome: Literal["reached", "no_answer"] = Field(
        ...,
        description=(
            "`reached`: the resident answered (their answer is their rating); `no_answer`: one attempt."
        ),
    )
    satisfaction: Satisfaction | None = Field(None, description="Required when reached.")
    solved: bool | None = Field(
        None, description="Whether the resident says the problem is solved (reached only)."
    )
    note: str = Field("", max_length=NOTE_MAX_LENGTH, description="What was said on the call.")
    reopen_reason: str = Field(
        "",
        max_length=NOTE_MAX_LENGTH,
        description="Reached only: the resident asks for it to be handled again.",
    )


class ChaseIn(s.ProofIn):
    kind: Literal["chase", "supplement"] = Field(
        ...,
        description=(
            "`chase` (催办, hotline staff only) or `supplement` (补充; also the resident of a web appeal)."
        ),
    )
    note: str = Field(..., max_length=NOTE_MAX_LENGTH, description="The caller's words (required).")


class ContactIn(s.StrictIn):
    method: str = Field(
        "phone",
        max_length=20,
        description="How the resident was reached: `phone`, `visit`, `sms` or `other`.",
    )
    note: str = Field("", max_length=NOTE_MAX_LENGTH, description="What was said (optional).")


class FieldRecordIn(s.StrictIn):
    kind: Literal["check", "photo", "note", "report_back"] = Field(
        ...,
        description=(
            "`check` 现场核查, `photo` 现场照片 (one photo required), `note` 备注, `report_back` 回告."
        ),
    )
    note: str = Field(
        "", max_length=NOTE_MAX_LENGTH, description="What was seen or said (required but for a photo)."
    )
    photos: list[s.AttachmentIn] = Field(
        default_factory=list,
        max_length=5,
        description="Photos of the spot (staff only; JPEG, PNG, GIF, WebP).",
    )


_T: dict[str, Any] = {"auth": STAFF_AUTH, "response": {200: s.AppealOut, **ERRORS}}


@router.post("/appeals/{tracking_number}/reply/approve", summary="Approve the held reply (审核通过)", **_T)
def approve_reply(
    request: HttpRequest, payload: s.NoteIn, tracking_number: str = TrackingNumber
) -> dict[str, Any]:
    """The reviewer (the centre or the unit's leader, as the review rule says) publishes the unit's
    reply to the resident. Reviewing one's own reply is refused (409)."""
    actor, appeal, user = _staff_actor(request, tracking_number)
    services.appeal_approve_reply(appeal=appeal, actor=actor, note=payload.note)
    return _detail(appeal, user)


@router.post("/appeals/{tracking_number}/reply/reject", summary="Send the held reply back (退回答复)", **_T)
def reject_reply(
    request: HttpRequest, payload: s.ReasonIn, tracking_number: str = TrackingNumber
) -> dict[str, Any]:
    """The reviewer sends the reply back to the handler with a reason
    (required); the resident sees nothing."""
    actor, appeal, user = _staff_actor(request, tracking_number)
    services.appeal_reject_reply(appeal=appeal, actor=actor, reason=payload.reason)
    return _detail(appeal, user)


@router.post("/appeals/{tracking_number}/callback", summary="Record a call-back (回访)", **_T)
def record_callback(
    request: HttpRequest, payload: CallbackIn, tracking_number: str = TrackingNumber
) -> dict[str, Any]:
    """Operators, dispatchers and admins, on a replied appeal. `reached`: the resident's answer is
    recorded as their rating (`via: callback`), and a `reopen_reason` reopens it for them;
    `no_answer`: the last allowed attempt closes it as unreachable (counted apart)."""
    actor, appeal, user = _staff_actor(request, tracking_number)
    services.appeal_callback_record(
        appeal=appeal,
        actor=actor,
        outcome=payload.outcome,
        satisfaction=payload.satisfaction or "",
        solved=payload.solved,
        note=payload.note,
        reopen_reason=payload.reopen_reason,
    )
    return _detail(appeal, user)


@router.post(
    "/appeals/{tracking_number}/chase",
    auth=PUBLIC_AUTH,
    response={200: s.AppealOut, **ERRORS},
    summary="Chase (催办) or add to (补充) an open appeal",
)
def chase(request: HttpRequest, payload: ChaseIn, tracking_number: str = TrackingNumber) -> dict[str, Any]:
    """Hotline staff record a repeat call on the open appeal (the unit is notified, the status does
    not change); the resident of a web appeal may add information (`supplement`) with the proof."""
    actor, appeal, user = _resident_or_staff(request, tracking_number, payload.proof)
    services.appeal_chase(appeal=appeal, actor=actor, kind=payload.kind, note=payload.note)
    return _detail(appeal, user)


@router.post(
    "/appeals/{tracking_number}/contacted", summary="Record that the resident was reached (联系群众)", **_T
)
def record_contact(
    request: HttpRequest, payload: ContactIn, tracking_number: str = TrackingNumber
) -> dict[str, Any]:
    """The main unit's handlers, on a dispatched or accepted appeal; the status does not change."""
    actor, appeal, user = _staff_actor(request, tracking_number)
    services.appeal_record_contact(appeal=appeal, actor=actor, method=payload.method, note=payload.note)
    return _detail(appeal, user)


@router.post(
    "/appeals/{tracking_number}/field-records", summary="A grid worker's record on the spot (现场记录)", **_T
)
def field_record(
    request: HttpRequest, payload: FieldRecordIn, tracking_number: str = TrackingNumber
) -> dict[str, Any]:
    """Grid workers of the appeal's grid, while it is dispatched or accepted: an on-the-spot check,
    a photo, a note or a report back to the unit (回告, which notifies its handlers)."""
    actor, appeal, user = _staff_actor(request, tracking_number)
    services.appeal_field_record(
        appeal=appeal, actor=actor, kind=payload.kind, note=payload.note, photos=_attachments(payload.photos)
    )
    return _detail(appeal, user)
