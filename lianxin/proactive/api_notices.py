"""`/api/v1/proactive/notices...`: notices and planned works (停水停电、施工) as JSON — the public list
(for an area: those for it, above it or inside it) and one notice, without a login; the notices the
caller manages, publishing one (its subscribers are told) and withdrawing one. Handlers parse,
authorise through `policy` and call `notices.py`, as the pages do."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.params.functions import Path, Query

from lianxin.api.auth import PUBLIC_AUTH, STAFF_AUTH, caller
from lianxin.api.schemas import NO_NUL, ErrorOut
from lianxin.core.errors import ForbiddenError, ValidationFailedError
from lianxin.org.models import Area, Category, User

from . import notices, policy
from .models import Notice

router = Router(tags=["proactive"])
ERRORS: dict[int, Any] = dict.fromkeys((400, 401, 403, 404, 409, 429), ErrorOut)
NoticeId = Path(..., ge=1, le=2**53, description="Notice id.")


class NoticeOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    area: str  # area code
    area_name: str
    category: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str  # published | withdrawn
    published_at: dt.datetime


class ManagedNoticeOut(NoticeOut):
    notified: int  # subscribers told at publication
    withdrawn_at: dt.datetime | None
    withdrawn_reason: str


class NoticeIn(Schema):
    kind: str = Field(..., max_length=12, description="water | power | gas | heating | works | other")
    title: str = Field(..., max_length=notices.TITLE_MAX, pattern=NO_NUL)
    body: str = Field(..., max_length=notices.BODY_MAX, pattern=NO_NUL)
    area: str = Field(..., max_length=40, description="Code of the affected area.")
    category: str = Field(
        "", max_length=40, description="Optional category code: its subscribers are told too."
    )
    starts_at: dt.datetime
    ends_at: dt.datetime


class WithdrawIn(Schema):
    reason: str = Field(..., max_length=notices.REASON_MAX, pattern=NO_NUL)


def _out(n: Notice) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "area": n.area.code,
        "area_name": n.area.name,
        "category": n.category.code if n.category else None,
        "starts_at": n.starts_at,
        "ends_at": n.ends_at,
        "status": n.status,
        "published_at": n.published_at,
    }


def _managed(n: Notice) -> dict[str, Any]:
    return {
        **_out(n),
        "notified": n.notified,
        "withdrawn_at": n.withdrawn_at,
        "withdrawn_reason": n.withdrawn_reason,
    }


def _publisher(request: HttpRequest) -> User:
    user = caller(request)
    if user is None or not policy.may_publish_notices(user):
        raise ForbiddenError(_("只有网格员、社区和街道工作人员以及有关单位可以发布通知公告。"))
    return user


@router.get(
    "/proactive/notices",
    auth=PUBLIC_AUTH,
    response={200: list[NoticeOut], **ERRORS},
    summary=(
        "Published notices not yet over, soonest first (no login); `area`: those for it, above or inside it"
    ),
)
def notice_list(
    request: HttpRequest,
    area: str = Query("", max_length=40),
    kind: str = Query("", max_length=12),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> list[dict[str, Any]]:
    place = None
    if area:
        place = Area.objects.filter(code=area).first()
        if place is None:
            raise ValidationFailedError(_("没有编码为“{code}”的区域。").format(code=area), field="area")
    return [_out(n) for n in notices.notices_public(area=place, kind=kind)[offset : offset + limit]]


@router.get(
    "/proactive/notices/managed",
    auth=STAFF_AUTH,
    response={200: list[ManagedNoticeOut], **ERRORS},
    summary="The notices the caller may manage (published in their areas), newest first",
)
def notice_managed_list(
    request: HttpRequest, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000)
) -> list[dict[str, Any]]:
    user = _publisher(request)
    return [_managed(n) for n in notices.notices_managed(user)[offset : offset + limit]]


@router.get(
    "/proactive/notices/{pk}",
    auth=PUBLIC_AUTH,
    response={200: NoticeOut, **ERRORS},
    summary="One published notice (no login); a withdrawn or absent one is 404",
)
def notice_detail(request: HttpRequest, pk: int = NoticeId) -> dict[str, Any]:
    return _out(notices.notice_get_public(pk))


@router.post(
    "/proactive/notices",
    auth=STAFF_AUTH,
    response={201: ManagedNoticeOut, **ERRORS},
    summary="Publish a notice for an area and a period; its subscribers are told at once",
)
def notice_publish(request: HttpRequest, body: NoticeIn) -> tuple[int, dict[str, Any]]:
    user = _publisher(request)
    area = Area.objects.filter(code=body.area).first()
    if area is None:
        raise ValidationFailedError(_("没有编码为“{code}”的区域。").format(code=body.area), field="area")
    category = None
    if body.category:
        category = Category.objects.filter(code=body.category).first()
        if category is None:
            raise ValidationFailedError(
                _("没有编码为“{code}”的类别。").format(code=body.category), field="category"
            )
    notice = notices.notice_publish(
        actor=user,
        kind=body.kind,
        title=body.title,
        body=body.body,
        area=area,
        category=category,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
    )
    return 201, _managed(notice)


@router.post(
    "/proactive/notices/{pk}/withdraw",
    auth=STAFF_AUTH,
    response={200: ManagedNoticeOut, **ERRORS},
    summary="Withdraw a published notice with the reason; its subscribers are told",
)
def notice_withdraw(request: HttpRequest, body: WithdrawIn, pk: int = NoticeId) -> dict[str, Any]:
    user = caller(request)
    assert user is not None  # STAFF_AUTH
    notice = notices.notice_get_managed(user, pk)  # 404 for absent and not-yours alike
    return _managed(notices.notice_withdraw(actor=user, notice=notice, reason=body.reason))
