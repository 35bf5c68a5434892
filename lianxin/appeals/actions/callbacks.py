"""Call-back (回访) after a reply: an operator calls the resident and records the answer on their
behalf. A reached resident's answer is their rating (`appeal_rate` with `Actor.on_behalf`, the
event carries `via: callback`), and may reopen the appeal for them; each unanswered call is
recorded, and after `LIANXIN["CALLBACK_MAX_ATTEMPTS"]` of them the appeal is closed as unreachable
(counted apart from ratings, docs/kpis.md). Anonymous residents are dialled through the telephony
(core/dialer.py) on their sealed number, which nobody sees."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.dialer import dialer
from lianxin.core.errors import ValidationFailedError

from .. import events
from ..actors import Actor
from ..models import Appeal, AppealEvent, EventType
from ..policy import Action, ensure_allowed
from .base import _locked, _transition, record_event
from .transitions import appeal_rate, appeal_reopen
from .validation import _clean_note

OUTCOMES = ("reached", "no_answer")


def callback_max_attempts() -> int:
    return int(settings.LIANXIN.get("CALLBACK_MAX_ATTEMPTS", 3))


def callback_attempts(appeal: Appeal) -> int:
    """Unanswered call-backs since the latest reply."""
    events = AppealEvent.objects.filter(
        appeal=appeal, type=EventType.CALLBACK_ATTEMPTED, data__outcome="no_answer"
    )
    if appeal.replied_at is not None:
        events = events.filter(at__gte=appeal.replied_at)
    return events.count()


@transaction.atomic
def appeal_callback_queue(*, appeal: Appeal | int, actor: Actor) -> Appeal:
    """Put an unrated reply on the call-back queue (the deadline sweep, before it auto-closes)."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.CALLBACK)
    record_event(
        appeal,
        events.CallbackQueued(),
        actor,
        from_status=appeal.status,
        to_status=appeal.status,
        unit=appeal.unit,
        public=False,
    )
    return appeal


def appeal_callback_dial_sealed(*, appeal: Appeal | int, actor: Actor) -> str:
    """Call an anonymous resident on the number they sealed for the call-back, through the
    telephony: the operator hears them, never sees the number. Audited; returns the call id."""
    appeal = Appeal.objects.get(pk=appeal.pk if isinstance(appeal, Appeal) else appeal)
    ensure_allowed(actor, appeal, Action.CALLBACK)
    if not appeal.callback_sealed:
        raise ValidationFailedError(_("这件匿名诉求没有留回访电话，无法回访。"), field="outcome")
    call_id = dialer().place_call(appeal.callback_sealed, reference=f"callback {appeal.tracking_number}")
    with transaction.atomic():
        audit_append(
            action=AuditAction.PERSONAL_DATA_VIEW,
            object_type="appeal",
            object_id=appeal.pk,
            actor=actor.user,
            data={"purpose": "callback_sealed_call", "call_id": call_id},
        )
    return call_id


@transaction.atomic
def appeal_callback_record(
    *,
    appeal: Appeal | int,
    actor: Actor,
    outcome: str,
    satisfaction: str = "",
    solved: bool | None = None,
    note: str = "",
    reopen_reason: str = "",
) -> Appeal:
    """Record one call-back. `reached`: the resident's answer becomes their rating (and, with a
    `reopen_reason`, reopens the appeal for them); `no_answer`: one attempt more, and the last
    allowed attempt closes the appeal as unreachable."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.CALLBACK)
    if outcome not in OUTCOMES:
        raise ValidationFailedError(_("请选择“已接通”或“未接通”。"), field="outcome")
    note = _clean_note(note, field="note", what=_("回访记录"))
    if outcome == "reached":
        if not satisfaction:
            raise ValidationFailedError(_("请选择满意、基本满意或不满意。"), field="satisfaction")
        record_event(
            appeal,
            events.CallbackAttempted(outcome="reached"),
            actor,
            from_status=appeal.status,
            to_status=appeal.status,
            unit=appeal.unit,
            note=note,
            public=False,
        )
        behalf = Actor.on_behalf(actor.user)  # type: ignore[arg-type]
        appeal = appeal_rate(
            appeal=appeal, actor=behalf, satisfaction=satisfaction, solved=solved, comment=note
        )
        if reopen_reason:
            appeal = appeal_reopen(appeal=appeal, actor=behalf, reason=reopen_reason)
        return appeal  # a refused reopening rolls the whole call-back back: nothing half-recorded
    attempts = callback_attempts(appeal) + 1
    record_event(
        appeal,
        events.CallbackAttempted(outcome="no_answer", attempt=attempts),
        actor,
        from_status=appeal.status,
        to_status=appeal.status,
        unit=appeal.unit,
        note=note,
        public=False,
    )
    if attempts >= callback_max_attempts():
        ensure_allowed(actor, appeal, Action.CALLBACK_UNREACHABLE)
        _transition(
            appeal,
            Action.CALLBACK_UNREACHABLE,
            actor,
            events.Closed(callback_unreachable=True, attempts=attempts),
            note=_("回访 {n} 次未能联系到群众，办结。").format(n=attempts),
            changes={"closed_at": timezone.now()},
        )
    return appeal
