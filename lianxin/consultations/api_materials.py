"""More consultation endpoints: attachments, the published summary of the opinions, forums and
hearings (list, register, cancel the registration) and opening a draft from a proactive proposal.

Same rules as the pages: the policy decides (`Action.REGISTER` for registrations, the proactive
policy for seeing a task, `may_create` for opening a draft), the services do the writes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja import Status as HttpStatus

# The call form `Query(default, ...)` / `Path(...)`: `from ninja import Query` is typed only
# as `Query[Model]`.
from ninja.params.functions import Path

from lianxin.api.auth import PUBLIC_AUTH, caller
from lianxin.core.errors import ForbiddenError
from lianxin.core.ratelimit import check_rate
from lianxin.org.selectors import scope_of
from lianxin.proactive.selectors import task_for

from . import schemas as s
from . import selectors, services
from .api import ERRORS, WRITE_RATE, ObjectId, Slug, _get, _item, _writer
from .models import Hearing

router = Router(tags=["consultations"])


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class SummaryOut(Schema):
    number: int | None
    heading: str
    text: str
    sentiment: dict[str, int]
    published_at: dt.datetime


class OriginOut(Schema):
    kind: str
    label: str
    area: str | None
    category: str | None
    appeals: int
    open: int
    first: str | None
    last: str | None


class HearingOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    starts_at: dt.datetime
    place: str
    capacity: int
    agenda: str
    minutes: str
    registered: int
    my_status: str | None


class RegistrationOut(Schema):
    status: str
    label: str
    message: str


@router.get(
    "/consultations/{slug}/attachments",
    auth=PUBLIC_AUTH,
    response={200: list[AttachmentOut], **ERRORS},
    summary="The draft's attachments (PDF and images), with the address to download each",
)
def consultation_attachments(request: HttpRequest, slug: str = Slug) -> list[dict[str, Any]]:
    _user, c = _get(request, slug)
    return [
        {
            "id": a.pk,
            "name": a.original_name,
            "content_type": a.content_type,
            "size": a.size,
            "url": reverse("consultations:attachment", args=[c.slug, a.pk]),
        }
        for a in selectors.attachments_of(c)
    ]


@router.get(
    "/consultations/{slug}/summary",
    auth=PUBLIC_AUTH,
    response={200: list[SummaryOut], **ERRORS},
    summary="The organiser's published summary of the opinions, per paragraph (number null: the whole draft)",
)
def consultation_summary(request: HttpRequest, slug: str = Slug) -> list[dict[str, Any]]:
    _user, c = _get(request, slug)
    return selectors.published_summaries(c)


@router.get(
    "/consultations/{slug}/origin",
    auth=PUBLIC_AUTH,
    response={200: OriginOut | None, **ERRORS},
    summary="The appeal data the consultation was opened from (counts only), or null",
)
def consultation_origin(request: HttpRequest, slug: str = Slug) -> dict[str, Any] | None:
    _user, c = _get(request, slug)
    return selectors.origin_public(c)


@router.get(
    "/consultations/{slug}/hearings",
    auth=PUBLIC_AUTH,
    response={200: list[HearingOut], **ERRORS},
    summary="Forums and hearings of the consultation, with the caller's registration status",
)
def consultation_hearings(request: HttpRequest, slug: str = Slug) -> list[dict[str, Any]]:
    user, c = _get(request, slug)
    viewer = selectors.participant_of(c, user)
    out = []
    for h in Hearing.objects.filter(consultation=c).prefetch_related("registrations"):
        regs = list(h.registrations.all())
        mine = next((r for r in regs if viewer is not None and r.participant_id == viewer.pk), None)
        out.append(
            {
                "id": h.pk,
                "kind": h.kind,
                "kind_label": h.get_kind_display(),
                "title": h.title,
                "starts_at": h.starts_at,
                "place": h.place,
                "capacity": h.capacity,
                "agenda": h.agenda,
                "minutes": h.minutes,
                "registered": sum(1 for r in regs if r.status != "cancelled"),
                "my_status": mine.status if mine else None,
            }
        )
    return out


@router.post(
    "/consultations/{slug}/hearings/{hearing_id}/registration",
    auth=PUBLIC_AUTH,
    response={201: RegistrationOut, **ERRORS},
    summary="Register for a forum or apply for a hearing (a full forum puts you on the waiting list)",
)
def hearing_register(
    request: HttpRequest, slug: str = Slug, hearing_id: int = ObjectId
) -> HttpStatus[dict[str, Any]]:
    user, c = _writer(request, slug)
    r = services.hearing_register(actor=user, consultation=c, hearing_id=hearing_id)
    message = _("已报名，进入候补名单。") if r.status == "waiting" else _("报名成功。")
    return HttpStatus(201, {"status": r.status, "label": r.get_status_display(), "message": message})


@router.post(
    "/consultations/{slug}/hearings/{hearing_id}/registration:cancel",
    auth=PUBLIC_AUTH,
    response={200: s.OkOut, **ERRORS},
    summary="Cancel one's registration (the waiting list moves up)",
)
def hearing_cancel(request: HttpRequest, slug: str = Slug, hearing_id: int = ObjectId) -> dict[str, Any]:
    user, c = _writer(request, slug)
    services.hearing_cancel(actor=user, consultation=c, hearing_id=hearing_id)
    return {"ok": True, "message": _("已取消报名。")}


@router.post(
    "/consultations:from-task/{task_id}",
    auth=PUBLIC_AUTH,
    response={201: s.ConsultationItem, **ERRORS},
    summary="Open a draft consultation from a proactive proposal or task (staff who may see it)",
)
def consultation_from_task(
    request: HttpRequest, task_id: int = Path(..., ge=1, le=s.ID_MAX)
) -> HttpStatus[dict[str, Any]]:
    user = caller(request)
    if user is None or not scope_of(user).is_staff_member:
        raise ForbiddenError(_("只有工作人员可以这样做。"))
    check_rate(f"consult-write:{user.pk}", WRITE_RATE)
    c = services.consultation_open_from_task(actor=user, task=task_for(user, task_id))
    return HttpStatus(201, _item(c))
