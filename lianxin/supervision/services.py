"""Supervision orders (督办单) and follow-up calls (回访): one function per transition.

Each transition runs in one transaction, locks its row, checks who may act, writes an
`OrderEvent` (orders) and an audit entry, and queues notifications after commit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.actors import Actor
from lianxin.appeals.events import FollowUpChecked
from lianxin.appeals.models import Appeal
from lianxin.appeals.privacy import ContactView, contact_for
from lianxin.appeals.services import record_event
from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.dialer import dialer
from lianxin.core.errors import NotFoundError, TransitionNotAllowedError, ValidationFailedError
from lianxin.core.payloads import Payload
from lianxin.notifications.services import notify_users
from lianxin.org.models import Role, Unit, User
from lianxin.org.selectors import in_area_subtree
from lianxin.worktime import calendar

from .events import OrderClosed, OrderCreated, OrderEscalated, OrderResponded, record_order_event
from .models import (
    FollowUp,
    FollowUpStatus,
    OrderStatus,
    RaisedWarning,
    SupervisionOrder,
)
from .policy import (
    ORDER_STATUS_REFUSALS,
    OrderAction,
    ensure_follow_up_caller_for,
    ensure_order_allowed,
    ensure_overseer_of,
    jurisdiction_of,
    order_status_allows,
    order_target,
)
from .rollups import local_day, month_of, touch_months

TITLE_MAX = 100
TEXT_MAX = 2000
NOTE_MAX = 500
MAX_DUE_DAYS = 30


def _text(value: str, *, field: str, what: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailedError(_("请填写{what}。").format(what=what), field=field)
    if len(value) > max_length:
        raise ValidationFailedError(
            _("{what}最多 {max} 字，当前 {length} 字，请精简。").format(
                what=what, max=max_length, length=len(value)
            ),
            field=field,
        )
    return value


def _order_link(order: SupervisionOrder) -> str:
    return f"/supervision/orders/{order.pk}/"


def _unit_handler_ids(unit: Unit) -> list[int]:
    return list(
        User.objects.filter(roles__unit=unit, roles__role=Role.HANDLER, is_active=True)
        .values_list("pk", flat=True)
        .distinct()
    )


def _leader_ids_for(unit: Unit) -> list[int]:
    """Leaders whose jurisdiction covers the unit's area (all leaders if none does)."""
    leaders = User.objects.filter(roles__role=Role.LEADER, is_active=True).prefetch_related("roles__area")
    covering, everyone = [], []
    for leader in leaders.distinct():
        everyone.append(leader.pk)
        for assignment in leader.roles.all():
            path = assignment.area.path if assignment.role == Role.LEADER and assignment.area else None
            if path and in_area_subtree(unit.area.path, (path,)):
                covering.append(leader.pk)
    return covering or everyone


def _order_transition(
    order: SupervisionOrder, action: str, actor: Actor, payload: Payload, *, note: str = "", **fields: Any
) -> SupervisionOrder:
    """The one way an order's status changes: refuses a step from a status not in
    `policy.ORDER_TRANSITIONS[action]` (for every actor, the system's too), moves to the table's
    target status, saves `fields` beside it and records the event. The caller has locked the
    order (`_locked`) and asked `ensure_order_allowed` (who may) before validating its input."""
    if not order_status_allows(action, order.status):
        raise TransitionNotAllowedError(
            str(ORDER_STATUS_REFUSALS[action]).format(status=order.get_status_display())
        )
    from_status = order.status
    order.status = order_target(action)
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=["status", *fields])
    record_order_event(order, payload, actor, from_status=from_status, note=note)
    return order


def _locked(order: SupervisionOrder | int) -> SupervisionOrder:
    pk = order.pk if isinstance(order, SupervisionOrder) else order
    found = (
        SupervisionOrder.objects.select_for_update(of=("self",))
        .select_related("unit__area")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFoundError(_("没有找到该督办单。"))
    return found


def _ensure_overseer_of(actor: Actor, unit: Unit, appeal: Appeal | None = None) -> None:
    ensure_overseer_of(actor.scope, jurisdiction_of(actor.user), unit.area, appeal.area if appeal else None)


def _order_subjects(
    warning: RaisedWarning | int | None, appeal: Appeal | int | None, unit: Unit | int | None
) -> tuple[RaisedWarning | None, Appeal | None, Unit]:
    """The warning, the appeal (the warning's when none is named) and the unit (the appeal's or
    the warning's when none is named) an order is about; ValidationFailedError naming the field."""
    if isinstance(warning, int):
        warning = RaisedWarning.objects.select_related("appeal", "unit").filter(pk=warning).first()
        if warning is None:
            raise ValidationFailedError(_("要转督办的预警不存在。"), field="warning")
    if isinstance(appeal, int):
        appeal = Appeal.objects.select_related("area", "unit").filter(pk=appeal).first()
        if appeal is None:
            raise ValidationFailedError(_("要督办的诉求不存在。"), field="appeal")
    if appeal is None and warning is not None:
        appeal = warning.appeal
    if isinstance(unit, int):
        unit = Unit.objects.select_related("area").filter(pk=unit, active=True).first()
    if unit is None:
        unit = (appeal.unit if appeal is not None else None) or (
            warning.unit if warning is not None else None
        )
    if unit is None:
        raise ValidationFailedError(_("请选择督办的责任单位。"), field="unit")
    return warning, appeal, unit


@transaction.atomic
def order_create(
    *,
    actor: Actor,
    unit: Unit | int | None,
    title: str,
    instructions: str,
    due_working_days: int,
    warning: RaisedWarning | int | None = None,
    appeal: Appeal | int | None = None,
) -> SupervisionOrder:
    """A supervisor turns a warning or an appeal into a supervision order to a unit."""
    warning, appeal, unit = _order_subjects(warning, appeal, unit)
    if not isinstance(due_working_days, int) or not 1 <= due_working_days <= MAX_DUE_DAYS:
        raise ValidationFailedError(
            _("督办时限应为 1 到 {max} 个工作日。").format(max=MAX_DUE_DAYS), field="due_working_days"
        )
    title = _text(title, field="title", what=_("督办标题"), max_length=TITLE_MAX)
    instructions = _text(instructions, field="instructions", what=_("督办要求"), max_length=TEXT_MAX)
    _ensure_overseer_of(actor, unit, appeal)
    assert actor.user is not None
    now = timezone.now()
    order = SupervisionOrder.objects.create(
        number=f"tmp-{uuid.uuid4().hex[:16]}",
        title=title,
        instructions=instructions,
        unit=unit,
        warning=warning,
        appeal=appeal,
        due_working_days=due_working_days,
        due_at=calendar.add_working_days(now, due_working_days),
        created_by=actor.user,
        created_at=now,
    )
    order.number = f"DB{now.astimezone(calendar.TZ):%Y%m%d}-{order.pk:05d}"
    order.save(update_fields=["number"])
    record_order_event(
        order,
        OrderCreated(warning=warning.pk if warning else None, appeal=appeal.pk if appeal else None),
        actor,
        from_status="",
        note=instructions,
    )
    notify_users(
        user_ids=_unit_handler_ids(unit),
        title=_("督办单：{number} {title}").format(number=order.number, title=title),
        body=instructions[:200],
        link=_order_link(order),
        kind="supervision_order",
    )
    return order


@transaction.atomic
def order_respond(*, order: SupervisionOrder | int, actor: Actor, text: str) -> SupervisionOrder:
    """The unit reports what it did (反馈)."""
    order = _locked(order)
    ensure_order_allowed(actor, order, OrderAction.RESPOND)
    text = _text(text, field="text", what=_("反馈内容"), max_length=TEXT_MAX)
    _order_transition(
        order,
        OrderAction.RESPOND,
        actor,
        OrderResponded(),
        note=text,
        response_text=text,
        responded_at=timezone.now(),
    )
    notify_users(
        user_ids=[order.created_by_id],
        title=_("督办单已反馈：{number}").format(number=order.number),
        body=text[:200],
        link=_order_link(order),
        kind="supervision_order",
    )
    return order


@transaction.atomic
def order_close(*, order: SupervisionOrder | int, actor: Actor, note: str = "") -> SupervisionOrder:
    """The supervisor accepts the response and closes the order (办结)."""
    order = _locked(order)
    ensure_order_allowed(actor, order, OrderAction.CLOSE)
    note = _text(note, field="note", what=_("办结意见"), max_length=NOTE_MAX, required=False)
    _order_transition(
        order, OrderAction.CLOSE, actor, OrderClosed(), note=note, closed_at=timezone.now(), close_note=note
    )
    notify_users(
        user_ids=_unit_handler_ids(order.unit),
        title=_("督办单已办结：{number}").format(number=order.number),
        body=note,
        link=_order_link(order),
        kind="supervision_order",
    )
    return order


@transaction.atomic
def order_escalate(*, order: SupervisionOrder | int, now: dt.datetime | None = None) -> SupervisionOrder:
    """The deadline passed without a response: escalate to the leaders (system only)."""
    order = _locked(order)
    now = now or timezone.now()
    system = Actor.automatic(_("督办监控"))
    ensure_order_allowed(system, order, OrderAction.ESCALATE)
    if order.due_at >= now:
        raise TransitionNotAllowedError(_("只有逾期未反馈的督办单才会升级。"))
    _order_transition(
        order, OrderAction.ESCALATE, system, OrderEscalated(due_at=order.due_at), escalated_at=now
    )
    notify_users(
        user_ids=[*_leader_ids_for(order.unit), order.created_by_id, *_unit_handler_ids(order.unit)],
        title=_("督办单逾期未反馈，已升级：{number}").format(number=order.number),
        body=order.title,
        link=_order_link(order),
        kind="supervision_escalated",
    )
    return order


def escalate_missed_orders(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    count = 0
    for pk in SupervisionOrder.objects.filter(status=OrderStatus.OPEN, due_at__lt=now).values_list(
        "pk", flat=True
    ):
        try:
            order_escalate(order=pk, now=now)
            count += 1
        except TransitionNotAllowedError:
            continue  # answered in the meantime
    return count


# --- follow-up calls ----------------------------------------------------------------------------------


def follow_up_contact(*, follow_up: FollowUp, actor: Actor) -> ContactView:
    """The resident's phone for the call-back, for whoever makes it (supervisor or administrator);
    only while the follow-up is pending; the look is written to the audit log."""
    ensure_follow_up_caller_for(actor.user, follow_up)
    pending = follow_up.status == FollowUpStatus.PENDING
    return contact_for(actor.user, follow_up.appeal, reveal=True, purpose="follow_up", for_call=pending)


def follow_up_dial_sealed(*, follow_up: FollowUp, actor: Actor) -> str:
    """Call an anonymous resident back on the number they sealed for it, through the telephony
    (core/dialer.py): the caller hears the resident, never sees the number. Audited. Returns the
    telephony's call id."""
    ensure_follow_up_caller_for(actor.user, follow_up)
    appeal = follow_up.appeal
    if not appeal.callback_sealed:
        raise ValidationFailedError(_("这件匿名诉求没有留回访电话，无法回访。"), field="reached")
    call_id = dialer().place_call(
        appeal.callback_sealed, reference=f"follow-up {follow_up.pk} ({appeal.tracking_number})"
    )
    with transaction.atomic():
        audit_append(
            action=AuditAction.PERSONAL_DATA_VIEW,
            object_type="appeal",
            object_id=appeal.pk,
            actor=actor.user,
            data={"purpose": "follow_up_sealed_call", "call_id": call_id, "follow_up": follow_up.pk},
        )
    return call_id


@transaction.atomic
def follow_up_record(
    *,
    follow_up: FollowUp | int,
    actor: Actor,
    reached: bool,
    really_solved: bool | None = None,
    satisfied: bool | None = None,
    pressured: bool | None = None,
    note: str = "",
) -> FollowUp:
    """Record the call: a resident who says the problem is not really solved makes it a false
    closure (虚假办结), which counts against the unit."""
    pk = follow_up.pk if isinstance(follow_up, FollowUp) else follow_up
    locked = (
        FollowUp.objects.select_for_update(of=("self",)).select_related("appeal__area").filter(pk=pk).first()
    )
    if locked is None:
        raise NotFoundError(_("没有找到该回访任务。"))
    ensure_follow_up_caller_for(actor.user, locked)
    if locked.status != FollowUpStatus.PENDING:
        raise TransitionNotAllowedError(_("该回访已记录结果，不能重复记录。"))
    note = _text(note, field="note", what=_("回访记录"), max_length=1000, required=False)
    if reached and really_solved is None:
        raise ValidationFailedError(_("请选择群众反映问题是否真正解决。"), field="really_solved")
    locked.status = FollowUpStatus.DONE if reached else FollowUpStatus.UNREACHABLE
    locked.really_solved = really_solved if reached else None
    locked.satisfied = satisfied if reached else None
    locked.pressured = pressured if reached else None
    locked.note = note
    locked.false_closure = bool(reached and really_solved is False)
    locked.done_by, locked.done_at = actor.user, timezone.now()
    locked.save()
    if reached:  # the check's answer feeds the rates (docs/kpis.md, "Follow-up checks")
        record_event(
            locked.appeal,
            FollowUpChecked(follow_up=locked.pk, really_solved=really_solved, satisfied=satisfied),
            actor,
            from_status=locked.appeal.status,
            to_status=locked.appeal.status,
            note=note,
            unit=locked.unit,
            public=False,
            at=locked.done_at,
        )
    if locked.false_closure:  # false closures count in the month of the call
        touch_months([month_of(local_day(locked.done_at))])
    audit_append(
        action=AuditAction.STATE_CHANGE,
        object_type="follow_up",
        object_id=locked.appeal.tracking_number,
        actor=actor.user,
        data={
            "status": locked.status,
            "really_solved": locked.really_solved,
            "satisfied": locked.satisfied,
            "pressured": locked.pressured,
            "false_closure": locked.false_closure,
        },
    )
    if locked.false_closure and locked.unit_id:
        notify_users(
            user_ids=_unit_handler_ids(locked.unit),  # type: ignore[arg-type]
            title=_("回访发现问题未解决：{tracking_number}").format(
                tracking_number=locked.appeal.tracking_number
            ),
            body=note,
            link=f"/staff/appeals/{locked.appeal_id}/",
            kind="false_closure",
        )
    return locked
