"""The records that keep the KPIs honest (docs/kpis.md): the unit's first contact with the resident
(联系群众, the response of the response rate) and the centre's judgement on a return (退单审核)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core.errors import TransitionNotAllowedError, ValidationFailedError

from .. import events
from ..actors import Actor
from ..models import Appeal, AppealEvent
from ..policy import Action, ensure_allowed, unjudged_return
from .base import _locked, record_event
from .validation import _clean_note

CONTACT_METHODS = ("phone", "visit", "sms", "other")


@transaction.atomic
def appeal_record_contact(
    *, appeal: Appeal | int, actor: Actor, method: str = "phone", note: str = ""
) -> AppealEvent:
    """The unit holding the appeal records that it reached the resident (by phone, a visit, ...).

    Not public: the resident knows they were called; the note may name what was said."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.CONTACT_RESIDENT)
    if method not in CONTACT_METHODS:
        raise ValidationFailedError(
            _("联系方式应为以下之一：{choices}。").format(choices="、".join(CONTACT_METHODS)), field="method"
        )
    return record_event(
        appeal,
        events.ResidentContacted(method=method),
        actor,
        from_status=appeal.status,
        to_status=appeal.status,
        note=_clean_note(note),
        unit=appeal.unit,
        public=False,
    )


@transaction.atomic
def appeal_judge_return(
    *, appeal: Appeal | int, actor: Actor, justified: bool, note: str = ""
) -> AppealEvent:
    """The centre judges the appeal's latest unjudged return (退单) justified or not.

    An unjustified return counts against the returning unit (and its cadre); a justified one
    excuses the unit from the response it could not give (docs/kpis.md). A reason is required
    when the return is judged unjustified. Each return is judged once."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.JUDGE_RETURN)
    note = _clean_note(note, required=not justified, field="note", what=_("不认可退单的理由"))
    returned = unjudged_return(appeal)
    if returned is None:  # the policy checked it; a concurrent judgement may have taken it
        raise TransitionNotAllowedError(_("该诉求没有待审核的退单。"))
    return record_event(
        appeal,
        events.ReturnJudged(
            return_event=returned.pk, justified=bool(justified), returned_by=returned.actor_id
        ),
        actor,
        from_status=appeal.status,
        to_status=appeal.status,
        note=note,
        unit=returned.unit,
        public=False,
    )
