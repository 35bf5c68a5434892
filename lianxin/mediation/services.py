"""Every state change of a mediation case: one typed, keyword-only function per transition.

Web views, the API, the demo seed and tasks all call these. Each runs in one transaction, locks the
case row, checks the state machine and the actor's rights (`policy`), writes one `CaseEvent` and an
audit entry, and queues notifications after commit. Opening a case lives in `intake`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.actors import Actor
from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.errors import NotFoundError, ValidationFailedError
from lianxin.notifications.services import notify_users
from lianxin.org.models import User
from lianxin.org.selectors import in_area_subtree

from . import deadlines, events
from .models import (
    NOTE_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    CaseEvent,
    EventType,
    FollowUp,
    MediationCase,
    Mediator,
    Party,
    ReferralTarget,
    RiskReason,
    Session,
)
from .policy import TRANSITIONS, Action, ensure_allowed
from .recipients import oversight_ids, staff_link

ATTENDEES_MAX_LENGTH = 500


def _staff_user(actor: Actor) -> User:
    """The person who writes a record (sessions, follow-ups are always a staff member's)."""
    if actor.user is None:
        raise ValidationFailedError(_("请以工作人员身份登录后记录。"))
    return actor.user


def locked(case: MediationCase | int) -> MediationCase:
    pk = case.pk if isinstance(case, MediationCase) else case
    try:
        return MediationCase.objects.select_for_update(of=("self",)).select_related("area").get(pk=pk)
    except MediationCase.DoesNotExist:
        raise NotFoundError(_("没有找到该调解案件。")) from None


def record_event(
    case: MediationCase,
    event_type: str,
    actor: Actor,
    *,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Write one timeline event and its audit entry."""
    event = CaseEvent.objects.create(
        case=case,
        type=event_type,
        at=timezone.now(),
        actor=actor.user,
        actor_label=actor.label,
        from_status=from_status,
        to_status=to_status or from_status,
        note=note,
        data=data or {},
    )
    audit_append(
        action=AuditAction.STATE_CHANGE,
        object_type="mediation_case",
        object_id=case.number,
        actor=actor.user,
        actor_label=actor.label,
        data={"event": event_type, "from": from_status, "to": to_status or from_status},
    )
    return event


def _transition(
    case: MediationCase,
    action: str,
    actor: Actor,
    *,
    event_type: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
) -> MediationCase:
    """Check, apply and record one transition on a locked case."""
    ensure_allowed(actor, case, action)
    _sources, target = TRANSITIONS[action]
    from_status = case.status
    for name, value in (changes or {}).items():
        setattr(case, name, value)
    if target is not None:
        case.status = target
    case.save()
    record_event(
        case, event_type, actor, from_status=from_status, to_status=case.status, note=note, data=data
    )
    return case


def clean_text(
    value: str, *, field: str, what: str, required: bool = True, limit: int = NOTE_MAX_LENGTH
) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailedError(_("请填写{what}。").format(what=what), field=field)
    if len(value) > limit:
        raise ValidationFailedError(
            _("{what}最多 {limit} 字，当前 {length} 字。").format(what=what, limit=limit, length=len(value)),
            field=field,
        )
    return value


def _notify(user_ids: list[int], case: MediationCase, title: str, kind: str) -> None:
    notify_users(user_ids=user_ids, title=title, body=case.title, link=staff_link(case), kind=kind)


# --- intake and assignment ---------------------------------------------------------------------------


@transaction.atomic
def case_accept(*, case: MediationCase | int, actor: Actor, note: str = "") -> MediationCase:
    """Accept a request for mediation (受理); the 30-day clock starts."""
    case = locked(case)
    now = timezone.now()
    return _transition(
        case,
        Action.ACCEPT,
        actor,
        event_type=EventType.ACCEPTED,
        note=clean_text(note, field="note", what=_("说明"), required=False),
        changes={"accepted_at": now, "due_at": deadlines.mediation_due(now)},
    )


@transaction.atomic
def case_decline(*, case: MediationCase | int, actor: Actor, reason: str) -> MediationCase:
    """Decline a request (不予受理), e.g. it is already before a court; the
    reason is told to the applicant."""
    case = locked(case)
    reason = clean_text(reason, field="reason", what=_("不予受理的理由"))
    case = _transition(
        case,
        Action.DECLINE,
        actor,
        event_type=EventType.DECLINED,
        note=reason,
        changes={"closed_at": timezone.now(), "outcome_note": reason},
    )
    if case.requested_by_id:
        notify_users(
            user_ids=[case.requested_by_id],
            title=_("调解申请未被受理：{number}").format(number=case.number),
            body=reason,
            link=f"/mediation/mine/{case.pk}/",
            kind="mediation_declined",
        )
    return case


def _mediator_user(case: MediationCase, mediator: User | int) -> User:
    user_id = mediator.pk if isinstance(mediator, User) else mediator
    posts = Mediator.objects.filter(user_id=user_id, active=True).select_related("area", "user")
    for post in posts:
        if in_area_subtree(case.area.path, [post.area.path]):
            return post.user
    raise ValidationFailedError(_("请选择一位负责该社区的在岗调解员。"), field="mediator")


@transaction.atomic
def case_assign(*, case: MediationCase | int, actor: Actor, mediator: User | int) -> MediationCase:
    """Give the case to a mediator registered for its area (指派调解员)."""
    case = locked(case)
    ensure_allowed(actor, case, Action.ASSIGN)
    user = _mediator_user(case, mediator)
    case = _transition(
        case,
        Action.ASSIGN,
        actor,
        event_type=EventType.ASSIGNED,
        data=events.Assigned(mediator_id=user.pk).as_data(),
        changes={"mediator": user},
    )
    _notify([user.pk], case, _("新的调解案件：{number}").format(number=case.number), "mediation_assigned")
    return case


@transaction.atomic
def case_reassign(
    *, case: MediationCase | int, actor: Actor, mediator: User | int, reason: str
) -> MediationCase:
    """Hand the case to another mediator (改派), e.g. a party objects to the first (回避)."""
    case = locked(case)
    ensure_allowed(actor, case, Action.REASSIGN)
    reason = clean_text(reason, field="reason", what=_("改派理由"))
    user = _mediator_user(case, mediator)
    if user.pk == case.mediator_id:
        raise ValidationFailedError(_("该调解员已经负责此案，请选择另一位调解员。"), field="mediator")
    previous = case.mediator_id
    case = _transition(
        case,
        Action.REASSIGN,
        actor,
        event_type=EventType.REASSIGNED,
        note=reason,
        data=events.Assigned(mediator_id=user.pk, previous_mediator_id=previous).as_data(),
        changes={"mediator": user},
    )
    _notify(
        [user.pk], case, _("改派给您的调解案件：{number}").format(number=case.number), "mediation_assigned"
    )
    return case


def _party(case: MediationCase, party: Party | int) -> Party:
    pk = party.pk if isinstance(party, Party) else party
    found = case.parties.filter(pk=pk).first()
    if found is None:
        raise ValidationFailedError(_("该当事人不属于本案。"), field="party")
    return found


@transaction.atomic
def party_record_consent(*, case: MediationCase | int, actor: Actor, party: Party | int) -> Party:
    """Record that a party agreed to mediation (自愿调解): no agreement without every party's consent."""
    case = locked(case)
    ensure_allowed(actor, case, Action.RECORD_CONSENT)
    found = _party(case, party)
    if found.consent:
        raise ValidationFailedError(_("该当事人已经同意调解。"), field="party")
    found.consent, found.consent_at = True, timezone.now()
    found.save(update_fields=["consent", "consent_at"])
    # checked above, before the change that makes the check fail (no status change to apply)
    record_event(
        case,
        EventType.CONSENTED,
        actor,
        from_status=case.status,
        data=events.PartyStep(party_id=found.pk).as_data(),
    )
    return found


# --- the mediation itself --------------------------------------------------------------------------


@transaction.atomic
def case_record_session(
    *,
    case: MediationCase | int,
    actor: Actor,
    held_at: dt.datetime,
    attendees: str,
    notes: str,
    place: str = "",
) -> Session:
    """Record one mediation session (调解): when, who came, what was said."""
    case = locked(case)
    ensure_allowed(actor, case, Action.RECORD_SESSION)
    now = timezone.now()
    if held_at > now + dt.timedelta(minutes=5):
        raise ValidationFailedError(_("调解时间不能晚于现在：请在调解结束后记录。"), field="held_at")
    if case.accepted_at and held_at < case.accepted_at - dt.timedelta(days=1):
        raise ValidationFailedError(_("调解时间不能早于案件受理时间。"), field="held_at")
    session = Session.objects.create(
        case=case,
        held_at=held_at,
        recorded_by=_staff_user(actor),
        recorded_at=now,
        place=clean_text(place, field="place", what=_("地点"), required=False, limit=200),
        attendees=clean_text(attendees, field="attendees", what=_("参加人员"), limit=ATTENDEES_MAX_LENGTH),
        notes=clean_text(notes, field="notes", what=_("调解记录"), limit=TEXT_MAX_LENGTH),
    )
    _transition(
        case,
        Action.RECORD_SESSION,
        actor,
        event_type=EventType.SESSION,
        data=events.SessionRecorded(session_id=session.pk, held_at=held_at.isoformat()).as_data(),
    )
    return session


@transaction.atomic
def case_extend(*, case: MediationCase | int, actor: Actor, days: int, note: str) -> MediationCase:
    """Extend the deadline once, by the parties' agreement (经双方当事人同意延长)."""
    case = locked(case)
    ensure_allowed(actor, case, Action.EXTEND)
    if not 1 <= days <= deadlines.MAX_EXTENSION_DAYS:
        raise ValidationFailedError(
            _("延长天数应在 1 到 {max} 天之间。").format(max=deadlines.MAX_EXTENSION_DAYS), field="days"
        )
    note = clean_text(note, field="note", what=_("当事人同意延期的情况"))
    previous = case.due_at or deadlines.mediation_due(case.accepted_at or timezone.now())
    due = deadlines.extended_due(previous, days)
    return _transition(
        case,
        Action.EXTEND,
        actor,
        event_type=EventType.EXTENDED,
        note=note,
        data=events.Extended(
            days=days, due_at=due.isoformat(), previous_due_at=previous.isoformat()
        ).as_data(),
        changes={"due_at": due, "extended_days": days, "due_soon": False, "overdue": False},
    )


@transaction.atomic
def case_flag_risk(
    *, case: MediationCase | int, actor: Actor, reasons: list[str], note: str = "", automatic: bool = False
) -> MediationCase:
    """Raise the risk flag (风险预警): the case goes to the top and the community is told."""
    case = locked(case)
    return flag_risk_locked(case=case, actor=actor, reasons=reasons, note=note, automatic=automatic)


def flag_risk_locked(
    *, case: MediationCase, actor: Actor, reasons: list[str], note: str = "", automatic: bool = False
) -> MediationCase:
    """`case_flag_risk` on a case already locked in the caller's transaction (intake's automatic flag)."""
    valid = set(RiskReason.values)
    unknown = [r for r in reasons if r not in valid]
    if not reasons or unknown:
        raise ValidationFailedError(
            _("请选择风险原因：{choices}。").format(choices="、".join(RiskReason.values)), field="reasons"
        )
    merged = sorted(set(case.risk_reasons) | set(reasons))
    case = _transition(
        case,
        Action.FLAG_RISK,
        actor,
        event_type=EventType.RISK_FLAGGED,
        note=clean_text(note, field="note", what=_("说明"), required=False),
        data=events.RiskFlagged(reasons=sorted(set(reasons)), automatic=automatic).as_data(),
        changes={"high_risk": True, "risk_reasons": merged, "priority": 0},
    )
    recipients = oversight_ids(case)
    if case.mediator_id:
        recipients.append(case.mediator_id)
    _notify(recipients, case, _("矛盾纠纷风险预警：{number}").format(number=case.number), "mediation_risk")
    return case


# --- outcomes --------------------------------------------------------------------------------------


@transaction.atomic
def case_record_agreement(*, case: MediationCase | int, actor: Actor, text: str) -> MediationCase:
    """Record the mediation agreement (调解协议书); the parties then sign it and the clock stops."""
    case = locked(case)
    ensure_allowed(actor, case, Action.RECORD_AGREEMENT)
    text = clean_text(text, field="text", what=_("协议内容"), limit=TEXT_MAX_LENGTH)
    return _transition(
        case,
        Action.RECORD_AGREEMENT,
        actor,
        event_type=EventType.AGREED,
        changes={"agreement_text": text, "agreed_at": timezone.now()},
    )


@transaction.atomic
def case_sign(*, case: MediationCase | int, actor: Actor, party: Party | int) -> Party:
    """Record that a party signed the agreement (the mediator holds the signed paper copy)."""
    case = locked(case)
    ensure_allowed(actor, case, Action.SIGN)
    found = _party(case, party)
    if found.signed_at is not None:
        raise ValidationFailedError(_("该当事人已经在协议上签字。"), field="party")
    found.signed_at = timezone.now()
    found.save(update_fields=["signed_at"])
    record_event(
        case,
        EventType.SIGNED,
        actor,
        from_status=case.status,
        data=events.PartyStep(party_id=found.pk).as_data(),
    )
    return found


@transaction.atomic
def case_refer(*, case: MediationCase | int, actor: Actor, target: str, note: str) -> MediationCase:
    """No agreement: tell the parties where to go next (引导至法院、仲裁、职能部门) and end the case."""
    case = locked(case)
    if target not in ReferralTarget.values:
        raise ValidationFailedError(
            _("请选择引导去向：{choices}。").format(choices="、".join(ReferralTarget.values)), field="target"
        )
    note = clean_text(note, field="note", what=_("调解不成的情况和引导说明"))
    return _transition(
        case,
        Action.REFER,
        actor,
        event_type=EventType.REFERRED,
        note=note,
        data=events.Referred(target=target).as_data(),
        changes={"referral_target": target, "outcome_note": note, "closed_at": timezone.now()},
    )


@transaction.atomic
def case_follow_up(
    *, case: MediationCase | int, actor: Actor, visited_at: dt.datetime, kept: bool, notes: str
) -> FollowUp:
    """Record a return visit (回访) checking whether the agreement is kept."""
    case = locked(case)
    ensure_allowed(actor, case, Action.FOLLOW_UP)
    if visited_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationFailedError(_("回访时间不能晚于现在。"), field="visited_at")
    follow_up = FollowUp.objects.create(
        case=case,
        visited_at=visited_at,
        kept=kept,
        recorded_by=_staff_user(actor),
        notes=clean_text(notes, field="notes", what=_("回访情况")),
    )
    _transition(
        case,
        Action.FOLLOW_UP,
        actor,
        event_type=EventType.FOLLOWED_UP,
        data=events.FollowedUp(follow_up_id=follow_up.pk, kept=kept).as_data(),
        changes={"agreement_kept": kept},
    )
    if not kept:
        _notify(
            oversight_ids(case),
            case,
            _("调解协议未履行：{number}").format(number=case.number),
            "mediation_not_kept",
        )
    return follow_up


@transaction.atomic
def case_close(*, case: MediationCase | int, actor: Actor, note: str = "") -> MediationCase:
    """Close an agreed case once every party signed and a follow-up visit was made (结案)."""
    case = locked(case)
    return _transition(
        case,
        Action.CLOSE,
        actor,
        event_type=EventType.CLOSED,
        note=clean_text(note, field="note", what=_("结案说明"), required=False),
        changes={"closed_at": timezone.now()},
    )


@transaction.atomic
def case_withdraw(*, case: MediationCase | int, actor: Actor, reason: str = "") -> MediationCase:
    """The applicant withdraws (撤回), or staff record that a party withdrew."""
    case = locked(case)
    reason = clean_text(reason, field="reason", what=_("撤回原因"), required=not actor.resident_owner)
    case = _transition(
        case,
        Action.WITHDRAW,
        actor,
        event_type=EventType.WITHDRAWN,
        note=reason,
        changes={"closed_at": timezone.now(), "outcome_note": reason},
    )
    if case.mediator_id:
        _notify(
            [case.mediator_id],
            case,
            _("调解案件已撤回：{number}").format(number=case.number),
            "mediation_withdrawn",
        )
    return case
