"""Every state change of an appeal: one function per transition, each recorded as an event.

Web views, the API, Open311, the CLI and background jobs all call these functions. Each runs in
one transaction, locks the appeal row, checks the state machine and the actor's rights, writes an
`AppealEvent` and an audit entry, and queues notifications to be sent after commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.errors import NotFound, TransitionNotAllowed, ValidationFailed
from lianxin.notifications.services import notifications_mark_read_for, notify_users
from lianxin.org.models import Area, AreaLevel, Category, Role, RoleAssignment, Unit, User
from lianxin.org.selectors import forget_routing_history, in_area_subtree

from . import deadlines, triage_bridge
from .actors import Actor
from .models import (
    TEXT_MAX_LENGTH,
    Appeal,
    AppealEvent,
    CoHandler,
    EventType,
    ExtensionRequest,
    ExtensionStatus,
    Satisfaction,
    Status,
)
from .policy import TRANSITIONS, Action, ensure_allowed

NOTE_MAX_LENGTH = 1000
logger = logging.getLogger(__name__)


# --- helpers -----------------------------------------------------------------------------------


def _locked(appeal: Appeal | int) -> Appeal:
    pk = appeal.pk if isinstance(appeal, Appeal) else appeal
    try:
        return (
            Appeal.objects.select_for_update(of=("self",))
            .select_related("category", "area", "unit")
            .get(pk=pk)
        )
    except Appeal.DoesNotExist:
        raise NotFound(_("没有找到该诉求。")) from None


def record_event(
    appeal: Appeal,
    event_type: str,
    actor: Actor,
    *,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    unit: Unit | None = None,
    data: dict[str, Any] | None = None,
    public: bool = True,
    at: dt.datetime | None = None,
) -> AppealEvent:
    """Write one timeline event and its audit entry."""
    event = AppealEvent.objects.create(
        appeal=appeal,
        type=event_type,
        at=at or timezone.now(),
        actor=actor.user,
        actor_label=actor.label,
        unit=unit,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
        public=public,
    )
    audit_append(
        action=AuditAction.STATE_CHANGE,
        object_type="appeal",
        object_id=appeal.tracking_number,
        actor=actor.user,
        actor_label=actor.label,
        data={"event": event_type, "from": from_status, "to": to_status, "unit": unit.code if unit else None},
    )
    if actor.user is not None and not actor.resident_owner and event_type != EventType.SUBMITTED:
        # a staff member who acts on a case has read what told them about it
        notifications_mark_read_for(user_id=actor.user.pk, link=_staff_link(appeal))
    return event


def _lapse_pending_extensions(appeal: Appeal) -> list[int]:
    """An extension request (延期) is the accepting unit's, for its deadline: once the appeal leaves
    its hands undecided (returned, replied, withdrawn, merged), nobody can decide it any more and it
    must not block the next unit's own request. Returns the ids of the requests that lapsed."""
    pending = list(appeal.extensions.filter(status=ExtensionStatus.PENDING).values_list("pk", flat=True))
    if pending:
        ExtensionRequest.objects.filter(pk__in=pending).update(
            status=ExtensionStatus.LAPSED, decided_at=timezone.now()
        )
    return pending


def _transition(
    appeal: Appeal,
    action: str,
    actor: Actor,
    *,
    event_type: str,
    note: str = "",
    unit: Unit | None = None,
    data: dict[str, Any] | None = None,
    public: bool = True,
    changes: dict[str, Any] | None = None,
) -> Appeal:
    """Check, apply and record one transition on a locked appeal."""
    ensure_allowed(actor, appeal, action)
    _sources, target = TRANSITIONS[action]
    from_status = appeal.status
    for field, value in (changes or {}).items():
        setattr(appeal, field, value)
    if target is not None:
        appeal.status = target
    appeal.save()
    if from_status == Status.ACCEPTED and appeal.status != Status.ACCEPTED:
        lapsed = _lapse_pending_extensions(appeal)
        if lapsed:
            data = {**(data or {}), "extension_lapsed": lapsed}
    record_event(
        appeal,
        event_type,
        actor,
        from_status=from_status,
        to_status=appeal.status,
        note=note,
        unit=unit,
        data=data,
        public=public,
    )
    return appeal


def _clean_note(note: str, *, required: bool = False, field: str = "note", what: str = _("说明")) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationFailed(_("请填写{what}。").format(what=what), field=field)
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationFailed(
            _("{what}最多 {note_max_length} 字，当前 {length} 字。").format(
                what=what, note_max_length=NOTE_MAX_LENGTH, length=len(note)
            ),
            field=field,
        )
    return note


def _unit_or_error(unit: Unit | int | str | None, *, field: str = "unit") -> Unit:
    if isinstance(unit, Unit):
        return unit
    qs = Unit.objects.filter(active=True)
    found = None
    if isinstance(unit, int):
        found = qs.filter(pk=unit).first()
    elif isinstance(unit, str) and unit:
        found = qs.filter(code=unit).first()
    if found is None:
        raise ValidationFailed(_("请选择一个有效的承办单位（单位编码或编号）。"), field=field)
    return found


def _unit_staff_ids(*units: Unit | None) -> list[int]:
    ids = [u.pk for u in units if u is not None]
    if not ids:
        return []
    return list(
        User.objects.filter(roles__unit_id__in=ids, roles__role=Role.HANDLER, is_active=True)
        .values_list("pk", flat=True)
        .distinct()
    )


def _dispatcher_ids(appeal: Appeal, *also: str) -> list[int]:
    """Active dispatchers (and holders of the roles in `also`) whose area covers the appeal's:
    unscoped dispatchers everywhere; area-scoped ones for their area and what lies inside it."""
    roles = (Role.DISPATCHER, *also)
    rows = RoleAssignment.objects.filter(role__in=roles, user__is_active=True).values_list(
        "user_id", "role", "area__path"
    )
    path = appeal.area.path if appeal.area is not None else None
    return sorted({
        user_id for user_id, role, area_path in rows
        if (area_path is None and role == Role.DISPATCHER) or (area_path and in_area_subtree(path, (area_path,)))
    })


def _staff_link(appeal: Appeal) -> str:
    return f"/staff/appeals/{appeal.pk}/"


def _notify_unit(appeal: Appeal, unit: Unit | None, title: str, kind: str) -> None:
    notify_users(
        user_ids=_unit_staff_ids(unit), title=title, body=appeal.title, link=_staff_link(appeal), kind=kind
    )


def _notify_resident(appeal: Appeal, title: str, kind: str) -> None:
    if appeal.resident_id:
        notify_users(user_ids=[appeal.resident_id], title=title, body=appeal.title, link="/track/", kind=kind)


# --- access codes for anonymous appeals -------------------------------------------------------------


def access_code_digest(appeal_tracking: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{appeal_tracking}:{code}".encode(), hashlib.sha256).hexdigest()


def check_access_code(appeal: Appeal, code: str) -> bool:
    stored = appeal.access_code_hash
    return bool(stored) and hmac.compare_digest(stored, access_code_digest(appeal.tracking_number, code))


# --- transitions --------------------------------------------------------------------------------


@transaction.atomic
def appeal_dispatch(*, appeal: Appeal | int, actor: Actor, unit: Unit | int | str, note: str = "") -> Appeal:
    """Send an appeal to the unit responsible (派单) and start its deadlines."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.DISPATCH)
    target_unit = _unit_or_error(unit)
    note = _clean_note(note)
    now = timezone.now()
    due = deadlines.compute_deadlines(now, appeal.category, appeal.urgency)
    _transition(
        appeal,
        Action.DISPATCH,
        actor,
        event_type=EventType.DISPATCHED,
        note=note,
        unit=target_unit,
        data={
            "suggested_unit": appeal.suggested_unit_id,
            "chosen_unit": target_unit.pk,
            "followed_suggestion": appeal.suggested_unit_id == target_unit.pk,
        },
        changes={
            "unit": target_unit,
            "dispatched_at": now,
            "accept_due_at": due.accept_due_at,
            "resolve_due_at": due.resolve_due_at,
            "due_soon": False,
            "accept_overdue": False,
        },
    )
    _notify_unit(
        appeal,
        target_unit,
        _("新派单：{tracking_number}").format(tracking_number=appeal.tracking_number),
        "dispatched",
    )
    return appeal


@transaction.atomic
def appeal_redispatch(
    *, appeal: Appeal | int, actor: Actor, unit: Unit | int | str, note: str = ""
) -> Appeal:
    """Send a dispatched but not yet accepted appeal to another unit (改派)."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.REDISPATCH)
    target_unit = _unit_or_error(unit)
    if target_unit.pk == appeal.unit_id:
        raise ValidationFailed(_("该诉求已派给这个单位，请选择另一个单位。"), field="unit")
    note = _clean_note(note, required=True, what=_("改派原因"))
    previous = appeal.unit
    _transition(
        appeal,
        Action.REDISPATCH,
        actor,
        event_type=EventType.REDISPATCHED,
        note=note,
        unit=target_unit,
        data={"previous_unit": previous.pk if previous else None},
        changes={"unit": target_unit},
    )
    _notify_unit(
        appeal,
        target_unit,
        _("新派单：{tracking_number}").format(tracking_number=appeal.tracking_number),
        "dispatched",
    )
    return appeal


@transaction.atomic
def appeal_accept(*, appeal: Appeal | int, actor: Actor, note: str = "") -> Appeal:
    """The unit takes the appeal on (签收)."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.ACCEPT)
    now = timezone.now()
    late = appeal.accept_due_at is not None and now > appeal.accept_due_at
    _transition(
        appeal,
        Action.ACCEPT,
        actor,
        event_type=EventType.ACCEPTED,
        note=_clean_note(note),
        unit=appeal.unit,
        data={"late": late},
        changes={"accepted_at": now, "accept_overdue": appeal.accept_overdue or late},
    )
    return appeal


@transaction.atomic
def appeal_return(*, appeal: Appeal | int, actor: Actor, reason: str) -> Appeal:
    """The unit sends the appeal back to dispatch as not theirs (退单), with a reason."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.RETURN)
    reason = _clean_note(reason, required=True, field="reason", what=_("退单理由"))
    unit = appeal.unit
    _transition(
        appeal,
        Action.RETURN,
        actor,
        event_type=EventType.RETURNED,
        note=reason,
        unit=unit,
        data={
            "returned_by_unit": unit.pk if unit else None,
            "category": appeal.category_id,
            "area": appeal.area_id,
        },
        changes={
            "unit": None,
            "accepted_at": None,
            "accept_due_at": None,
            "resolve_due_at": None,
            "due_soon": False,
            "return_count": appeal.return_count + 1,
        },
    )
    notify_users(
        user_ids=_dispatcher_ids(appeal),
        title=_("退单：{tracking_number}").format(tracking_number=appeal.tracking_number),
        body=reason,
        link=_staff_link(appeal),
        kind="returned",
    )
    if appeal.category is not None:
        category_code = appeal.category.code
        transaction.on_commit(lambda: forget_routing_history(category_code))
    return appeal


@transaction.atomic
def appeal_add_co_handler(
    *, appeal: Appeal | int, actor: Actor, unit: Unit | int | str, note: str = ""
) -> CoHandler:
    """Ask another unit to help (协办)."""
    appeal = _locked(appeal)
    co_unit = _unit_or_error(unit)
    ensure_allowed(actor, appeal, Action.ADD_CO_HANDLER)
    if co_unit.pk == appeal.unit_id:
        raise ValidationFailed(_("主办单位不能同时作为协办单位。"), field="unit")
    if appeal.co_handlers.filter(unit=co_unit).exists():
        raise ValidationFailed(_("该单位已经是协办单位。"), field="unit")
    co = CoHandler.objects.create(appeal=appeal, unit=co_unit, added_at=timezone.now())
    record_event(
        appeal,
        EventType.CO_HANDLER_ADDED,
        actor,
        from_status=appeal.status,
        to_status=appeal.status,
        note=_clean_note(note),
        unit=co_unit,
    )
    _notify_unit(
        appeal,
        co_unit,
        _("协办请求：{tracking_number}").format(tracking_number=appeal.tracking_number),
        "co_handler",
    )
    return co


@transaction.atomic
def appeal_co_reply(*, appeal: Appeal | int, actor: Actor, text: str) -> CoHandler:
    """A co-handling unit gives its part of the answer to the main unit."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.CO_REPLY)
    text = _clean_text(text, field="text", what=_("协办意见"))
    units = actor.scope.units_for(Role.HANDLER) if not actor.system else frozenset()
    co = appeal.co_handlers.filter(unit_id__in=units).select_related("unit").first()
    if co is None:
        raise TransitionNotAllowed(_("您所在单位不是该诉求的协办单位。"))
    co.reply_text, co.replied_at = text, timezone.now()
    co.save(update_fields=["reply_text", "replied_at"])
    record_event(
        appeal,
        EventType.CO_HANDLER_REPLIED,
        actor,
        from_status=appeal.status,
        to_status=appeal.status,
        note=text,
        unit=co.unit,
        public=False,
    )
    _notify_unit(
        appeal,
        appeal.unit,
        _("协办单位已答复：{tracking_number}").format(tracking_number=appeal.tracking_number),
        "co_reply",
    )
    return co


@transaction.atomic
def appeal_request_extension(
    *, appeal: Appeal | int, actor: Actor, working_days: int, reason: str
) -> ExtensionRequest:
    """The handling unit asks for more time (延期)."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.REQUEST_EXTENSION)
    if not isinstance(working_days, int) or not 1 <= working_days <= 30:
        raise ValidationFailed(_("延期天数应为 1 到 30 个工作日。"), field="working_days")
    reason = _clean_note(reason, required=True, field="reason", what=_("延期理由"))
    assert appeal.unit is not None and actor.user is not None
    request = ExtensionRequest.objects.create(
        appeal=appeal,
        unit=appeal.unit,
        requested_by=actor.user,
        requested_at=timezone.now(),
        working_days=working_days,
        reason=reason,
    )
    record_event(
        appeal,
        EventType.EXTENSION_REQUESTED,
        actor,
        from_status=appeal.status,
        to_status=appeal.status,
        note=reason,
        unit=appeal.unit,
        data={"working_days": working_days, "request": request.pk},
        public=False,
    )
    notify_users(
        user_ids=_dispatcher_ids(appeal, Role.SUPERVISOR, Role.LEADER),
        title=_("延期申请：{tracking_number}").format(tracking_number=appeal.tracking_number),
        body=reason,
        link=_staff_link(appeal),
        kind="extension",
    )
    return request


@transaction.atomic
def appeal_decide_extension(
    *, appeal: Appeal | int, actor: Actor, approve: bool, note: str = ""
) -> ExtensionRequest:
    """Approve (moving the resolve deadline) or refuse the pending extension request."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.DECIDE_EXTENSION)
    request = appeal.extensions.select_for_update().get(status=ExtensionStatus.PENDING)
    note = _clean_note(note, required=not approve, what=_("驳回理由"))
    request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    request.decided_by, request.decided_at, request.decision_note = actor.user, timezone.now(), note
    request.save()
    data: dict[str, Any] = {"request": request.pk, "working_days": request.working_days}
    if approve and appeal.resolve_due_at is not None:
        old_due = appeal.resolve_due_at
        appeal.resolve_due_at = deadlines.extend(old_due, request.working_days)
        appeal.due_soon = False
        if appeal.resolve_due_at > timezone.now():
            appeal.overdue = False
        appeal.save(update_fields=["resolve_due_at", "due_soon", "overdue", "updated_at"])
        data.update(old_due=old_due.isoformat(), new_due=appeal.resolve_due_at.isoformat())
    record_event(
        appeal,
        EventType.EXTENSION_APPROVED if approve else EventType.EXTENSION_REFUSED,
        actor,
        from_status=appeal.status,
        to_status=appeal.status,
        note=note,
        unit=appeal.unit,
        data=data,
        public=approve,
    )
    _notify_unit(
        appeal,
        appeal.unit,
        _("延期申请{value}：{tracking_number}").format(
            value="已同意" if approve else "被驳回", tracking_number=appeal.tracking_number
        ),
        "extension_decided",
    )
    return request


def _clean_text(text: str, *, field: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("请填写{what}。").format(what=what), field=field)
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationFailed(
            _("{what}最多 {text_max_length} 字，当前 {length} 字，请精简后再提交。").format(
                what=what, text_max_length=TEXT_MAX_LENGTH, length=len(text)
            ),
            field=field,
        )
    return text


@transaction.atomic
def appeal_reply(*, appeal: Appeal | int, actor: Actor, text: str) -> Appeal:
    """The unit answers the resident (答复); the resident then rates it."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.REPLY)
    text = _clean_text(text, field="text", what=_("答复内容"))
    now = timezone.now()
    late = appeal.resolve_due_at is not None and now > appeal.resolve_due_at
    quality = _reply_quality(appeal, text, now)
    _transition(
        appeal,
        Action.REPLY,
        actor,
        event_type=EventType.REPLIED,
        note=text,
        unit=appeal.unit,
        data={"late": late, "reply_quality": quality},
        changes={"reply_text": text, "replied_at": now, "overdue": appeal.overdue or late, "due_soon": False},
    )
    _notify_resident(
        appeal,
        _("您的诉求已答复：{tracking_number}").format(tracking_number=appeal.tracking_number),
        "replied",
    )
    return appeal


def reply_quality_data(
    appeal_text: str, reply_text: str, submitted_at: dt.datetime, replied_at: dt.datetime
) -> dict[str, Any]:
    """The triage engine's view of how far a reply answers its appeal, as stored on the event."""
    from lianxin.triage.reply_quality import score_reply

    score = score_reply(appeal_text, reply_text, submitted_at, replied_at)
    return {
        "overall": round(score.overall, 3),
        "relevance": round(score.relevance, 3),
        "completeness": round(score.completeness, 3),
        "timeliness": None if score.timeliness is None else round(score.timeliness, 3),
        "reasons": list(score.reasons)[:5],
    }


def _reply_quality(appeal: Appeal, text: str, now: dt.datetime) -> dict[str, Any] | None:
    try:
        return reply_quality_data(f"{appeal.title} {appeal.text}", text, appeal.submitted_at, now)
    except Exception:  # scoring must never stop a reply
        logger.exception("Reply quality scoring failed")
        return None


@transaction.atomic
def appeal_answer_directly(*, appeal: Appeal | int, actor: Actor, text: str) -> Appeal:
    """The operator answers an inquiry on the spot and closes it (直接办结)."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.ANSWER_DIRECTLY)
    text = _clean_text(text, field="text", what=_("答复内容"))
    now = timezone.now()
    return _transition(
        appeal,
        Action.ANSWER_DIRECTLY,
        actor,
        event_type=EventType.ANSWERED_DIRECTLY,
        note=text,
        changes={"reply_text": text, "replied_at": now, "closed_at": now},
    )


@transaction.atomic
def appeal_rate(
    *, appeal: Appeal | int, actor: Actor, satisfaction: str, solved: bool | None, comment: str = ""
) -> Appeal:
    """The resident rates the reply; this closes the appeal (办结)."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.RATE)
    if satisfaction not in Satisfaction.values:
        raise ValidationFailed(_("请选择满意、基本满意或不满意。"), field="satisfaction")
    if solved is not None and not isinstance(solved, bool):
        raise ValidationFailed(_("“是否解决”只能是“已解决”或“未解决”。"), field="solved")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ValidationFailed(
            _("评价最多 500 字，当前 {length} 字。").format(length=len(comment)), field="comment"
        )
    now = timezone.now()
    _transition(
        appeal,
        Action.RATE,
        actor,
        event_type=EventType.RATED,
        note=comment,
        unit=appeal.unit,
        data={"satisfaction": satisfaction, "solved": solved},
        changes={
            "satisfaction": satisfaction,
            "solved": solved,
            "rating_comment": comment,
            "rated_at": now,
            "closed_at": now,
        },
    )
    if satisfaction == Satisfaction.DISSATISFIED:
        _notify_unit(
            appeal,
            appeal.unit,
            _("群众不满意：{tracking_number}").format(tracking_number=appeal.tracking_number),
            "dissatisfied",
        )
    return appeal


@transaction.atomic
def appeal_close_unrated(*, appeal: Appeal | int, actor: Actor) -> Appeal:
    """Close a replied appeal that the resident did not rate in time (system only)."""
    appeal = _locked(appeal)
    if appeal.status != Status.REPLIED:
        raise TransitionNotAllowed(_("只有已答复的诉求才能自动办结。"))
    from_status = appeal.status
    appeal.status, appeal.closed_at = Status.CLOSED, timezone.now()
    appeal.save()
    record_event(
        appeal,
        EventType.CLOSED,
        actor,
        from_status=from_status,
        to_status=appeal.status,
        note=_("群众逾期未评价，系统自动办结。"),
    )
    return appeal


@transaction.atomic
def appeal_reopen(*, appeal: Appeal | int, actor: Actor, reason: str) -> Appeal:
    """The resident is not satisfied and asks for it to be handled again (重办), once."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.REOPEN)
    reason = _clean_note(reason, required=True, field="reason", what=_("重办理由"))
    now = timezone.now()
    due = deadlines.compute_deadlines(now, appeal.category, appeal.urgency)
    _transition(
        appeal,
        Action.REOPEN,
        actor,
        event_type=EventType.REOPENED,
        note=reason,
        unit=appeal.unit,
        data={"previous_satisfaction": appeal.satisfaction, "previous_solved": appeal.solved},
        changes={
            "reopen_count": appeal.reopen_count + 1,
            "dispatched_at": now,
            "accepted_at": None,
            "replied_at": None,
            "closed_at": None,
            "satisfaction": "",
            "solved": None,
            "rating_comment": "",
            "rated_at": None,
            "accept_due_at": due.accept_due_at,
            "resolve_due_at": due.resolve_due_at,
            "due_soon": False,
            "overdue": False,
            "accept_overdue": False,
        },
    )
    _notify_unit(
        appeal,
        appeal.unit,
        _("群众申请重办：{tracking_number}").format(tracking_number=appeal.tracking_number),
        "reopened",
    )
    return appeal


@transaction.atomic
def appeal_merge(*, appeal: Appeal | int, actor: Actor, into: Appeal | int | str, note: str = "") -> Appeal:
    """Merge a duplicate into another appeal (并案); the resident follows the surviving one."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.MERGE)
    if isinstance(into, str):
        target = Appeal.objects.filter(tracking_number=into.strip().upper()).first()
    else:
        target = Appeal.objects.filter(pk=into.pk if isinstance(into, Appeal) else into).first()
    if target is None:
        raise ValidationFailed(_("要并入的诉求不存在，请核对受理编号。"), field="into")
    if target.pk == appeal.pk:
        raise ValidationFailed(_("不能把诉求并入它自己。"), field="into")
    if target.status in (Status.MERGED, Status.WITHDRAWN):
        raise ValidationFailed(_("不能并入已并案或已撤回的诉求，请选择主诉求。"), field="into")
    _transition(
        appeal,
        Action.MERGE,
        actor,
        event_type=EventType.MERGED,
        note=_clean_note(note) or f"并入 {target.tracking_number}",
        data={"into": target.tracking_number},
        changes={"merged_into": target, "closed_at": timezone.now()},
    )
    return appeal


@transaction.atomic
def appeal_withdraw(*, appeal: Appeal | int, actor: Actor, reason: str = "") -> Appeal:
    """The resident withdraws the appeal (撤回)."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.WITHDRAW)
    unit = appeal.unit
    _transition(
        appeal,
        Action.WITHDRAW,
        actor,
        event_type=EventType.WITHDRAWN,
        note=_clean_note(reason),
        changes={"closed_at": timezone.now()},
    )
    if unit is not None:
        _notify_unit(
            appeal,
            unit,
            _("诉求已撤回：{tracking_number}").format(tracking_number=appeal.tracking_number),
            "withdrawn",
        )
    return appeal


# Where an appeal may be moved to: a community or a grid (the rollups' fine grain is the grid).
RECLASSIFY_AREA_LEVELS = (AreaLevel.COMMUNITY, AreaLevel.GRID)


def _new_category(appeal: Appeal, category: Category | str | None) -> Category | None:
    """The category asked for (a code or an instance), checked as intake checks it; None/"" keeps it."""
    if category is None or category == "":
        return appeal.category
    if isinstance(category, Category):
        found: Category | None = category
        code = category.code
    else:
        code = category.strip()
        if appeal.category is not None and code == appeal.category.code:
            return appeal.category
        found = Category.objects.filter(code=code).first()
    if found is not None and found.pk == appeal.category_id:
        return appeal.category
    if found is None or not found.active:
        raise ValidationFailed(
            _("分类编码“{category_code}”不存在或已停用，请从分类列表中选择。").format(category_code=code),
            field="category",
        )
    return found


def _new_area(appeal: Appeal, area: Area | str | None) -> Area | None:
    """The area asked for (a code or an instance): a community or grid the platform knows; None/"" keeps it."""
    if area is None or area == "":
        return appeal.area
    if isinstance(area, Area):
        found: Area | None = area
        code = area.code
    else:
        code = area.strip()
        if appeal.area is not None and code == appeal.area.code:
            return appeal.area
        found = Area.objects.filter(code=code).first()
    if found is None:
        raise ValidationFailed(
            _("区域编码“{area_code}”不存在，请从区域列表中选择。").format(area_code=code), field="area"
        )
    if found.pk == appeal.area_id:
        return appeal.area
    if found.level not in RECLASSIFY_AREA_LEVELS:
        raise ValidationFailed(
            _("“{name}”是{level}；请选择具体的社区或网格。").format(name=found.name, level=found.get_level_display()),
            field="area",
        )
    return found


def _described(key: str, obj: Category | Area | None) -> dict[str, Any]:
    """`key`, `key_code`, `key_name` of a category or area, for an event's data (None when absent)."""
    return {key: obj.pk if obj else None, f"{key}_code": obj.code if obj else None,
            f"{key}_name": obj.name if obj else None}


# The statuses in which the dispatch suggestion still matters: nobody has the appeal yet.
AWAITING_DISPATCH = (Status.SUBMITTED, Status.RETURNED)


def _routed(category: Category | None, area: Area | None) -> triage_bridge.Routed:
    """What intake's routing would suggest now (`triage_bridge.route_unit`). As at intake, a
    failure of the routing leaves no suggestion (a dispatcher chooses) instead of failing the
    change; the savepoint keeps the transaction usable after a database error."""
    try:
        with transaction.atomic():
            return triage_bridge.route_unit(category, area)
    except Exception:
        logger.exception("Routing failed while reclassifying; the appeal keeps no dispatch suggestion")
        return triage_bridge.Routed()


@transaction.atomic
def appeal_reclassify(
    *,
    appeal: Appeal | int,
    actor: Actor,
    category: Category | str | None = None,
    area: Area | str | None = None,
    reason: str,
) -> Appeal:
    """Correct an appeal's category and/or area (改分类), with a reason.

    The unit, the status and the deadlines stay as they are (a dispatcher re-dispatches separately
    if the new classification calls for another unit). An appeal still awaiting dispatch
    (submitted or returned) gets a new dispatch suggestion (`suggested_unit`) from the same
    routing intake uses, recorded as `from_suggested_unit` / `to_suggested_unit` on the event; a
    dispatched one keeps its suggestion. Every process's duplicate index re-files the appeal
    under its new area on its next refresh (`appeals.duplicates`). The KPI rollups move the
    appeal's earlier figures to the new classification on their next fold (docs/kpis.md, "Area
    and category")."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.RECLASSIFY)
    old_category, old_area = appeal.category, appeal.area
    new_category = _new_category(appeal, category)
    new_area = _new_area(appeal, area)
    if new_category == old_category and new_area == old_area:
        raise ValidationFailed(
            _("分类和区域都没有变化；请选择新的分类或区域，或不做改分类。"),
            field="area" if area and not category else "category",
        )
    reason = _clean_note(reason, required=True, field="reason", what=_("改分类原因"))
    data: dict[str, Any] = {
        **_described("from_category", old_category),
        **_described("to_category", new_category),
        **_described("from_area", old_area),
        **_described("to_area", new_area),
    }
    changes: dict[str, Any] = {"category": new_category, "area": new_area}
    if appeal.status in AWAITING_DISPATCH:
        routed = _routed(new_category, new_area)
        data["from_suggested_unit"] = appeal.suggested_unit_id
        data["to_suggested_unit"] = routed.unit.pk if routed.unit else None
        changes["suggested_unit"] = routed.unit
        changes["suggestion"] = triage_bridge.rerouted(appeal.suggestion, routed)
    _transition(
        appeal,
        Action.RECLASSIFY,
        actor,
        event_type=EventType.RECLASSIFIED,
        note=reason,
        data=data,
        public=False,
        changes=changes,
    )
    # The routing history of a category counts its appeals' dispatches and returns by their
    # current category and area: this appeal's now count elsewhere.
    codes = sorted({c.code for c in (old_category, new_category) if c is not None})

    def forget() -> None:
        for code in codes:
            forget_routing_history(code)

    transaction.on_commit(forget)
    return appeal
