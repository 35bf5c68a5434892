"""The status changes of an appeal, one function per transition of `policy.TRANSITIONS`."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailedError
from lianxin.notifications.services import notify_users
from lianxin.org.models import Unit

from .. import deadlines, events
from ..actors import Actor
from ..attachments import AttachmentInput
from ..models import Appeal, ReplyResult, Satisfaction, Status
from ..policy import Action, ensure_allowed
from ..review_rules import review_rule_for
from ..routing import forget_routing_history
from .accountability import appeal_record_contact
from .base import _locked, _transition
from .quality import _reply_quality
from .quality import reply_quality_data as reply_quality_data  # re-exported
from .recipients import _dispatcher_ids, _notify_unit, _staff_link
from .review import (
    checked_reply_attachments,
    hold_reply_for_review,
    notify_reply_published,
    save_reply_attachments,
)
from .validation import _clean_note, _clean_text, _unit_or_error

logger = logging.getLogger(__name__)


def _notify_new_dispatch(appeal: Appeal, unit: Unit) -> None:
    """Tell the unit's staff an appeal was dispatched (or re-dispatched) to them."""
    _notify_unit(
        appeal,
        unit,
        _("新派单：{tracking_number}").format(tracking_number=appeal.tracking_number),
        "dispatched",
    )


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
        events.Dispatched(
            suggested_unit=appeal.suggested_unit_id,
            chosen_unit=target_unit.pk,
            followed_suggestion=appeal.suggested_unit_id == target_unit.pk,
        ),
        note=note,
        unit=target_unit,
        changes={
            "unit": target_unit,
            "dispatched_at": now,
            "accept_due_at": due.accept_due_at,
            "resolve_due_at": due.resolve_due_at,
            "due_soon": False,
            "accept_overdue": False,
        },
    )
    _notify_new_dispatch(appeal, target_unit)
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
        raise ValidationFailedError(_("该诉求已派给这个单位，请选择另一个单位。"), field="unit")
    note = _clean_note(note, required=True, what=_("改派原因"))
    previous = appeal.unit
    _transition(
        appeal,
        Action.REDISPATCH,
        actor,
        events.Redispatched(previous_unit=previous.pk if previous else None),
        note=note,
        unit=target_unit,
        changes={"unit": target_unit},
    )
    _notify_new_dispatch(appeal, target_unit)
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
        events.Accepted(late=late),
        note=_clean_note(note),
        unit=appeal.unit,
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
        events.Returned(
            returned_by_unit=unit.pk if unit else None, category=appeal.category_id, area=appeal.area_id
        ),
        note=reason,
        unit=unit,
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
def appeal_reply(
    *,
    appeal: Appeal | int,
    actor: Actor,
    text: str,
    attachments: list[AttachmentInput] | None = None,
    attachments_public: bool = True,
    result: str = "",
    contacted: str = "",
) -> Appeal:
    """The unit answers the resident (答复); the resident then rates it. Where a review rule applies
    (`ReplyReviewRule`), the reply waits for the reviewer instead (`appeal_approve_reply`).

    `result` is the unit's own account of the outcome (`ReplyResult`: 解决, 部分解决, 未解决,
    解释说明; "" when not given, as by older clients); `contacted` (a `CONTACT_METHODS` value)
    records in the same step that the unit reached the resident (联系群众)."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.REPLY)
    text = _clean_text(text, field="text", what=_("答复内容"))
    if result and result not in ReplyResult.values:
        raise ValidationFailedError(
            _("办理结果应为以下之一：{choices}。").format(
                choices="、".join(f"{label}（{value}）" for value, label in ReplyResult.choices)
            ),
            field="result",
        )
    checked = checked_reply_attachments(attachments)
    if contacted:
        appeal_record_contact(appeal=appeal, actor=actor, method=contacted)
    now = timezone.now()
    late = appeal.resolve_due_at is not None and now > appeal.resolve_due_at
    rule = review_rule_for(appeal)
    if rule is not None:
        appeal.reply_result = result
        appeal.save(update_fields=["reply_result", "updated_at"])
        return hold_reply_for_review(
            appeal=appeal,
            actor=actor,
            text=text,
            reviewer=rule.reviewer,
            checked=checked,
            attachments_public=attachments_public,
            late=late,
            result=result,
        )
    quality = _reply_quality(appeal, text, now)
    _transition(
        appeal,
        Action.REPLY,
        actor,
        events.Replied(late=late, reply_quality=quality, result=result),
        note=text,
        unit=appeal.unit,
        changes={
            "reply_text": text,
            "replied_at": now,
            "overdue": appeal.overdue or late,
            "due_soon": False,
            "reply_result": result,
        },
    )
    save_reply_attachments(appeal, checked, public=attachments_public)
    notify_reply_published(appeal)
    return appeal


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
        events.AnsweredDirectly(),
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
        raise ValidationFailedError(_("请选择满意、基本满意或不满意。"), field="satisfaction")
    if solved is not None and not isinstance(solved, bool):
        raise ValidationFailedError(_("“是否解决”只能是“已解决”或“未解决”。"), field="solved")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ValidationFailedError(
            _("评价最多 500 字，当前 {length} 字。").format(length=len(comment)), field="comment"
        )
    now = timezone.now()
    _transition(
        appeal,
        Action.RATE,
        actor,
        events.Rated(satisfaction=satisfaction, solved=solved),
        note=comment,
        unit=appeal.unit,
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
    ensure_allowed(
        actor, appeal, Action.CLOSE_UNRATED
    )  # the sweep's actor passes; `_transition` holds the status
    return _transition(
        appeal,
        Action.CLOSE_UNRATED,
        actor,
        events.Closed(auto_closed=True),  # counted apart from ratings (docs/kpis.md)
        note=_("群众逾期未评价，系统自动办结。"),
        changes={"closed_at": timezone.now()},
    )


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
        events.Reopened(previous_satisfaction=appeal.satisfaction, previous_solved=appeal.solved),
        note=reason,
        unit=appeal.unit,
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
        raise ValidationFailedError(_("要并入的诉求不存在，请核对受理编号。"), field="into")
    if target.pk == appeal.pk:
        raise ValidationFailedError(_("不能把诉求并入它自己。"), field="into")
    if target.status in (Status.MERGED, Status.WITHDRAWN):
        raise ValidationFailedError(_("不能并入已并案或已撤回的诉求，请选择主诉求。"), field="into")
    _transition(
        appeal,
        Action.MERGE,
        actor,
        events.Merged(into=target.tracking_number),
        note=_clean_note(note) or f"并入 {target.tracking_number}",
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
        events.Withdrawn(),
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
