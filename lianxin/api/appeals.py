"""Appeal endpoints: submit, look up, list, timeline, every transition and the audited contact reveal.

Handlers only parse, authorise (through selectors and the policy) and call the services.
"""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query as QueryModel
from ninja import Router
from ninja import Status as HttpStatus

# The call form `Query(default, ...)` / `Path(...)`: `from ninja import Query` is typed only
# as `Query[Model]`.
from ninja.params.functions import Header, Path, Query

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.counting import count_for_pager
from lianxin.appeals.filters import AppealFilter, SearchStyle, area_paths, category_paths
from lianxin.appeals.intake import AppealInput, AttachmentInput, appeal_submit
from lianxin.appeals.models import Appeal, Channel, Status
from lianxin.appeals.privacy import contact_for, may_see_contact
from lianxin.appeals.selectors import (
    NOT_FOUND_MESSAGE,
    appeal_get_for_tracking,
    appeal_get_for_user,
    appeals_filtered,
    appeals_visible_to,
    full_timeline,
    public_timeline,
    queue,
)
from lianxin.core.errors import ForbiddenError, NotFoundError, ValidationFailedError
from lianxin.core.ratelimit import check_rate, client_ip
from lianxin.org.models import Unit, User

from . import schemas as s
from .auth import PUBLIC_AUTH, STAFF_AUTH, caller
from .presenters import appeal_detail, appeal_list_item, event_item, is_staff

router = Router(tags=["appeals"])

ERRORS: dict[int, Any] = dict.fromkeys((400, 401, 403, 404, 409, 429), s.ErrorOut)
PROOF_RATE = "60/h"
TrackingNumber = Path(
    ..., max_length=s.TRACKING_MAX, pattern=s.NO_NUL, description="Tracking number, e.g. LX20260101-000001."
)

_DETAIL_RELATED = ("category", "area", "unit", "merged_into")


def _proven(request: HttpRequest, tracking_number: str, proof: str) -> Appeal:
    """A resident's proof: the tracking number with the phone's last four digits (or query code)."""
    check_rate(f"api-proof:{client_ip(request)}", PROOF_RATE)
    return appeal_get_for_tracking(tracking_number, proof)


def _visible(user: User | None, tracking_number: str) -> Appeal:
    if user is None:
        raise NotFoundError(
            NOT_FOUND_MESSAGE + _("请提供 proof（联系电话后四位或匿名查询码），或使用接口令牌。")
        )
    return appeal_get_for_user(user, tracking_number=tracking_number)


def _staff_actor(request: HttpRequest, tracking_number: str) -> tuple[Actor, Appeal, User]:
    user = caller(request)
    appeal = _visible(user, tracking_number)
    assert user is not None
    return Actor.staff(user), appeal, user


def _resident_or_staff(
    request: HttpRequest, tracking_number: str, proof: str
) -> tuple[Actor, Appeal, User | None]:
    """Resident actions accept the proof, the resident's own account, or (withdraw) staff."""
    user = caller(request)
    if proof:
        appeal = _proven(request, tracking_number, proof)
        owner = user if user is not None and appeal.resident_id == user.pk else None
        return Actor.resident(owner), appeal, owner
    appeal = _visible(user, tracking_number)
    assert user is not None
    if appeal.resident_id == user.pk:
        return Actor.resident(user), appeal, user
    return Actor.staff(user), appeal, user


def _detail(appeal: Appeal | int, user: User | None) -> dict[str, Any]:
    pk = appeal.pk if isinstance(appeal, Appeal) else appeal
    fresh = Appeal.objects.select_related(*_DETAIL_RELATED).get(pk=pk)
    return appeal_detail(fresh, user=user, staff_view=is_staff(user))


# --- submit ----------------------------------------------------------------------------------------


def _attachments(items: list[s.AttachmentIn]) -> list[AttachmentInput]:
    decoded = []
    for i, item in enumerate(items):
        try:
            content = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailedError(
                _("附件“{name}”的内容不是有效的 base64 编码。").format(name=item.name),
                field=f"attachments[{i}].content_base64",
            ) from None
        decoded.append(AttachmentInput(name=item.name, content=content, declared_type=item.content_type))
    return decoded


def appeal_input(payload: s.AppealSubmitIn, *, staff: bool) -> AppealInput:
    """The intake's input from a parsed body: channel and urgency are the staff's to set only."""
    return AppealInput(
        text=payload.text,
        title=payload.title,
        kind=payload.kind,
        channel=(payload.channel or Channel.API) if staff else Channel.API,
        category_code=payload.category,
        area_code=payload.area,
        address=payload.address,
        latitude=payload.latitude,
        longitude=payload.longitude,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        contact_consent=payload.contact_consent,
        anonymous=payload.anonymous,
        callback_phone=payload.callback_phone,
        urgency=(payload.urgency or "") if staff else "",
        attachments=_attachments(payload.attachments),
    )


@router.post(
    "/appeals",
    auth=PUBLIC_AUTH,
    response={201: s.SubmitOut, 200: s.SubmitOut, **ERRORS},
    summary="Submit an appeal (anonymous allowed)",
)
def submit(
    request: HttpRequest,
    payload: s.AppealSubmitIn,
    idempotency_key: str = Header(
        "",
        alias="Idempotency-Key",
        max_length=100,
        pattern=s.NO_NUL,
        description="Retry-safe key: a retry returns the first result.",
    ),
) -> HttpStatus[dict[str, Any]]:
    """Take an appeal in. Anonymous callers are rate-limited per client IP. With an `Idempotency-Key`,
    a retried request returns the first result (200) instead of creating a second appeal; the same key
    with a different body is refused with 409."""
    user = caller(request)
    staff = is_staff(user)
    if user is None:
        check_rate(f"api-submit:{client_ip(request)}", settings.LIANXIN["ANON_SUBMIT_RATE"])
    data = appeal_input(payload, staff=staff)
    actor = Actor.staff(user) if staff and user is not None else Actor.resident(user)
    result = appeal_submit(
        data=data,
        actor=actor,
        resident=None if staff else user,
        idempotency_key=idempotency_key,
        idempotency_scope=f"api:user:{user.pk}" if user is not None else "api:anonymous",
    )
    body = {
        "tracking_number": result.appeal.tracking_number,
        "created": result.created,
        "status": result.appeal.status,
        "access_code": result.access_code,
        # a new appeal is answered from the rows just written (nothing else can have changed them
        # before the commit); a replay reads the appeal as it is now
        "appeal": appeal_detail(result.appeal, user=user, staff_view=staff)
        if result.created
        else _detail(result.appeal, user),
    }
    return HttpStatus(201 if result.created else 200, body)


# --- reads -----------------------------------------------------------------------------------------

# A list is counted exactly up to here; beyond, `count` is PostgreSQL's estimate (`count_exact`
# false): counting a unit's 130,000 appeals for every page cost 0.27-0.57 s (docs/benchmarks.md).
LIST_COUNT_CAP = 1_000


@router.get(
    "/appeals", auth=STAFF_AUTH, response={200: s.AppealPage, **ERRORS}, summary="List and filter appeals"
)
def list_appeals(request: HttpRequest, filters: QueryModel[s.AppealFilters]) -> dict[str, Any]:
    """The appeals the caller may see, newest first (work queues keep their own order)."""
    user = caller(request)
    assert user is not None
    qs: QuerySet[Appeal] = queue(user, filters.queue) if filters.queue else appeals_visible_to(user)
    qs = appeals_filtered(qs, appeal_filter(filters), user=user)
    if not filters.queue:
        qs = qs.order_by("-submitted_at", "-id")
    counted = count_for_pager(qs, cap=LIST_COUNT_CAP)
    count = counted.n
    start = (filters.page - 1) * filters.page_size
    rows = qs.select_related("category", "area", "unit")[start : start + filters.page_size]
    return {
        "count": count,
        "count_exact": counted.exact,
        "page": filters.page,
        "page_size": filters.page_size,
        "pages": math.ceil(count / filters.page_size) if count else 0,
        "results": [appeal_list_item(a, user=user) for a in rows],
    }


def appeal_filter(f: s.AppealFilters) -> AppealFilter:
    """The query parameters as the shared `AppealFilter`; an unknown code is refused by name."""
    categories = (
        _known(
            category_paths([f.category]),
            _("分类编码“{code}”不存在，请从 /categories 中选择。"),
            f.category,
            "category",
        )
        if f.category
        else None
    )
    areas = (
        _known(area_paths([f.area]), _("区域编码“{code}”不存在，请从 /areas 中选择。"), f.area, "area")
        if f.area
        else None
    )
    unit_id = _unit_id(f.unit) if f.unit else None
    if f.submitted_from and f.submitted_to and f.submitted_from > f.submitted_to:
        raise ValidationFailedError(_("开始日期不能晚于结束日期。"), field="submitted_from")
    return AppealFilter(
        statuses=(f.status,) if f.status is not None else (),
        kind=f.kind or "",
        urgency=f.urgency or "",
        channel=f.channel or "",
        overdue=f.overdue,
        category_paths=categories,
        area_paths=areas,
        unit_id=unit_id,
        date_from=f.submitted_from,
        date_to=f.submitted_to,
        text=f.q,
        search=SearchStyle.API,
    )


def _known(paths: tuple[str, ...], message: str, code: str, field: str) -> tuple[str, ...]:
    if not paths:
        raise ValidationFailedError(message.format(code=code), field=field)
    return paths


def _unit_id(code: str) -> int:
    unit_id = Unit.objects.filter(code=code).values_list("pk", flat=True).first()
    if unit_id is None:
        raise ValidationFailedError(
            _("单位编码“{code}”不存在，请从 /units 中选择。").format(code=code), field="unit"
        )
    return unit_id


@router.get(
    "/appeals/{tracking_number}",
    auth=PUBLIC_AUTH,
    response={200: s.AppealOut, **ERRORS},
    summary="Get one appeal",
)
def get_appeal(
    request: HttpRequest,
    tracking_number: str = TrackingNumber,
    proof: str = Query(
        "",
        max_length=s.PROOF_MAX,
        pattern=s.NO_NUL,
        description="Phone last four digits or anonymous query code.",
    ),
) -> dict[str, Any]:
    """Staff (token or session) see what their role may see; the public adds `proof`. Absent and
    not-yours are the same 404."""
    user = caller(request)
    if proof:
        appeal = _proven(request, tracking_number, proof)
        owner = user if user is not None and appeal.resident_id == user.pk else None
        return appeal_detail(appeal, user=owner, staff_view=False)
    appeal = _visible(user, tracking_number)
    return appeal_detail(appeal, user=user, staff_view=is_staff(user))


@router.get(
    "/appeals/{tracking_number}/timeline",
    auth=PUBLIC_AUTH,
    response={200: list[s.EventOut], **ERRORS},
    summary="The appeal's timeline",
)
def timeline(
    request: HttpRequest,
    tracking_number: str = TrackingNumber,
    proof: str = Query(
        "",
        max_length=s.PROOF_MAX,
        pattern=s.NO_NUL,
        description="Phone last four digits or anonymous query code.",
    ),
) -> list[dict[str, Any]]:
    """Staff see every event; the public (with `proof`) sees the public events without staff names."""
    user = caller(request)
    if proof:
        appeal = _proven(request, tracking_number, proof)
        return [event_item(e, staff_view=False) for e in public_timeline(appeal).select_related("unit")]
    appeal = _visible(user, tracking_number)
    if is_staff(user):
        return [event_item(e, staff_view=True) for e in full_timeline(appeal)]
    return [event_item(e, staff_view=False) for e in public_timeline(appeal).select_related("unit")]


@router.post(
    "/appeals/{tracking_number}/contact",
    auth=STAFF_AUTH,
    response={200: s.ContactOut, **ERRORS},
    summary="Reveal the resident's contact details (audit-logged)",
)
def reveal_contact(
    request: HttpRequest, payload: s.RevealIn, tracking_number: str = TrackingNumber
) -> dict[str, Any]:
    """The unmasked name and phone, for roles that need them. Each look is written to the audit log
    with its purpose. Nobody can see who sent an anonymous appeal."""
    _actor, appeal, user = _staff_actor(request, tracking_number)
    if appeal.is_anonymous:
        raise ForbiddenError(_("这是匿名诉求，不公开提交人信息。"), code="anonymous")
    if not may_see_contact(user, appeal):
        raise ForbiddenError(_("您的角色无权查看该诉求的联系人信息。"))
    view = contact_for(user, appeal, reveal=True, purpose=payload.purpose.strip())
    return {"name": view.name, "phone": view.phone, "masked": view.masked, "anonymous": view.anonymous}


# --- transitions -----------------------------------------------------------------------------------

_T: dict[str, Any] = {"auth": STAFF_AUTH, "response": {200: s.AppealOut, **ERRORS}}


@router.post("/appeals/{tracking_number}/dispatch", summary="Dispatch to a unit (派单)", **_T)
def dispatch(
    request: HttpRequest, payload: s.UnitNoteIn, tracking_number: str = TrackingNumber
) -> dict[str, Any]:
    actor, appeal, user = _staff_actor(request, tracking_number)
    services.appeal_dispatch(appeal=appeal, actor=actor, unit=payload.unit, note=payload.note)
    return _detail(appeal, user)


@router.post("/appeals/{tracking_number}/redispatch", summary="Send to another unit (改派)", **_T)
def redispatch(
    request: HttpRequest, payload: s.UnitNoteIn, tracking_number: str = TrackingNumber
) -> dict[str, Any]:
    actor, appeal, user = _staff_actor(request, tracking_number)
    services.appeal_redispatch(appeal=appeal, actor=actor, unit=payload.unit, note=payload.note)
    return _detail(appeal, user)


@router.post("/appeals/{tracking_number}/accept", summary="Accept (签收)", **_T)
def accept(request: HttpRequest, payload: s.NoteIn, tracking_number: str = TrackingNumber) -> dict[str, Any]:
    actor, appeal, user = _staff_actor(request, tracking_number)
    services.appeal_accept(appeal=appeal, actor=actor, note=payload.note)
    return _detail(appeal, user)


@router.post("/appeals/{tracking_number}/return", summary="Return to dispatch (退单)", **_T)
def return_(
    request: HttpRequest, payload: s.ReasonIn, tracking_number: str = TrackingNumber
) -> dict[str, Any]:
    actor, appeal, user = _staff_actor(request, tracking_number)
    services.appeal_return(appeal=appeal, actor=actor, reason=payload.reason)
    return _detail(appeal, user)


@router.post("/appeals/{tracking_number}/co-handlers", summary="Add a co-handling unit (协办)", **_T)
def add_co_handler(
    request: HttpRequest, payload: s.UnitNoteIn, tracking_number: str = TrackingNumber
) -> dict[str, Any]:
    actor, appeal, user = _staff_actor(request, tracking_number)
    services.appeal_add_co_handler(appeal=appeal, actor=actor, unit=payload.unit, note=payload.note)
    return _detail(appeal, user)


@router.post("/appeals/{tracking_number}/co-reply", summary="Co-handler's answer (协办答复)", **_T)
def co_reply(
    request: HttpRequest, payload: s.TextIn, tracking_number: str = TrackingNumber
) -> dict[str, Any]:
    actor, appeal, user = _staff_actor(request, tracking_number)
    services.appeal_co_reply(appeal=appeal, actor=actor, text=payload.text)
    return _detail(appeal, user)


@router.post("/appeals/{tracking_number}/extension", summary="Request an extension (申请延期)", **_T)
def request_extension(
    request: HttpRequest, payload: s.ExtensionIn, tracking_number: str = TrackingNumber
) -> dict[str, Any]:
    actor, appeal, user = _staff_actor(request, tracking_number)
    services.appeal_request_extension(
        appeal=appeal, actor=actor, working_days=payload.working_days, reason=payload.reason
    )
    return _detail(appeal, user)


@router.post("/appeals/{tracking_number}/extension/decision", summary="Decide the extension (审批延期)", **_T)
def decide_extension(
    request: HttpRequest, payload: s.ExtensionDecisionIn, tracking_number: str = TrackingNumber
) -> dict[str, Any]:
    actor, appeal, user = _staff_actor(request, tracking_number)
    services.appeal_decide_extension(appeal=appeal, actor=actor, approve=payload.approve, note=payload.note)
    return _detail(appeal, user)


@router.post("/appeals/{tracking_number}/reply", summary="Reply to the resident (答复)", **_T)
def reply(request: HttpRequest, payload: s.ReplyIn, tracking_number: str = TrackingNumber) -> dict[str, Any]:
    actor, appeal, user = _staff_actor(request, tracking_number)
    services.appeal_reply(
        appeal=appeal,
        actor=actor,
        text=payload.text,
        result=payload.result or "",
        contacted=payload.contacted,
    )
    return _detail(appeal, user)


@router.post("/appeals/{tracking_number}/answer", summary="Answer directly and close (直接办结)", **_T)
def answer_directly(
    request: HttpRequest, payload: s.TextIn, tracking_number: str = TrackingNumber
) -> dict[str, Any]:
    actor, appeal, user = _staff_actor(request, tracking_number)
    services.appeal_answer_directly(appeal=appeal, actor=actor, text=payload.text)
    return _detail(appeal, user)


@router.post("/appeals/{tracking_number}/merge", summary="Merge into another appeal (并案)", **_T)
def merge(request: HttpRequest, payload: s.MergeIn, tracking_number: str = TrackingNumber) -> dict[str, Any]:
    actor, appeal, user = _staff_actor(request, tracking_number)
    target = _visible(user, payload.into) if payload.into else None
    if target is None:
        raise ValidationFailedError(_("请填写要并入的诉求受理编号。"), field="into")
    services.appeal_merge(appeal=appeal, actor=actor, into=target, note=payload.note)
    return _detail(appeal, user)


@router.post("/appeals/{tracking_number}/reclassify", summary="Correct the category or area (改分类)", **_T)
def reclassify(
    request: HttpRequest, payload: s.ReclassifyIn, tracking_number: str = TrackingNumber
) -> dict[str, Any]:
    """Dispatchers and administrators correct the category and/or the area (a community or grid) by
    code, with a reason. The unit, the status and the deadlines do not change."""
    actor, appeal, user = _staff_actor(request, tracking_number)
    services.appeal_reclassify(
        appeal=appeal, actor=actor, category=payload.category, area=payload.area, reason=payload.reason
    )
    return _detail(appeal, user)


_R: dict[str, Any] = {"auth": PUBLIC_AUTH, "response": {200: s.AppealOut, **ERRORS}}


@router.post("/appeals/{tracking_number}/withdraw", summary="Withdraw (撤回): resident or operator", **_R)
def withdraw(
    request: HttpRequest, payload: s.WithdrawIn, tracking_number: str = TrackingNumber
) -> dict[str, Any]:
    actor, appeal, user = _resident_or_staff(request, tracking_number, payload.proof)
    services.appeal_withdraw(appeal=appeal, actor=actor, reason=payload.reason)
    return _detail(appeal, user)


@router.post("/appeals/{tracking_number}/rate", summary="Rate the reply and close (评价): resident", **_R)
def rate(request: HttpRequest, payload: s.RateIn, tracking_number: str = TrackingNumber) -> dict[str, Any]:
    """The resident rates the reply. A merged appeal's resident (并案) rates the surviving appeal's
    reply: the rating counts for the unit that replied, and the appeal stays merged."""
    actor, appeal, user = _resident_or_staff(request, tracking_number, payload.proof)
    rate_service = services.appeal_rate_merged if appeal.status == Status.MERGED else services.appeal_rate
    rate_service(
        appeal=appeal,
        actor=actor,
        satisfaction=payload.satisfaction,
        solved=payload.solved,
        comment=payload.comment,
    )
    return _detail(appeal, user)


@router.post(
    "/appeals/{tracking_number}/reopen", summary="Ask for it to be handled again (重办): resident", **_R
)
def reopen(
    request: HttpRequest, payload: s.ReopenIn, tracking_number: str = TrackingNumber
) -> dict[str, Any]:
    actor, appeal, user = _resident_or_staff(request, tracking_number, payload.proof)
    services.appeal_reopen(appeal=appeal, actor=actor, reason=payload.reason)
    return _detail(appeal, user)
