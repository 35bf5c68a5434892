"""The hotline's quick entry (热线录入): a call registered as an appeal, and an inquiry, suggestion
or praise answered on the spot (当场答复办结) in the same step.

A workflow over the intake and the transitions (beside `intake.py`, which `services` feeds): the
web page (web/views/hotline.py) only parses the form and shows the outcome; the rules — who takes
calls, which kinds may be answered at once, that a failed answer still leaves the appeal
registered — live here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from lianxin.core.errors import DomainError, ValidationFailedError

from .actors import Actor
from .intake import AppealInput, appeal_submit
from .models import Appeal, Channel, Kind, Status
from .policy import ensure_may_take_hotline_calls
from .services import appeal_answer_directly

# the kinds an operator may answer and close during the call; the rest go to dispatch
DIRECT_KINDS = (Kind.INQUIRY, Kind.SUGGESTION, Kind.PRAISE)


@dataclass(frozen=True, kw_only=True)
class HotlineCall:
    """What the operator typed while on the phone."""

    contact_phone: str
    text: str
    kind: str = Kind.COMPLAINT
    contact_name: str = ""
    area_code: str = ""
    address: str = ""
    contact_consent: bool = False
    answer: str = ""  # the answer given on the spot (DIRECT_KINDS only); blank: to dispatch


@dataclass(frozen=True)
class HotlineOutcome:
    appeal: Appeal
    answered: bool = False  # answered and closed on the spot
    answer_error: str = ""  # why answering on the spot failed; the appeal stays registered


def hotline_call_register(*, call: HotlineCall, actor: Actor, idempotency_key: str = "") -> HotlineOutcome:
    """Register a call as a hotline appeal and, with an answer, answer and close it on the spot.

    Refused (ForbiddenError) to roles that take no calls; an answer to a kind other than an inquiry,
    suggestion or praise is refused on the field `answer`. A retried form (the same
    `idempotency_key`) returns the first appeal. Answering runs after the appeal is committed:
    when it fails, the appeal is registered all the same and `answer_error` says why."""
    ensure_may_take_hotline_calls(actor.scope)
    answer = call.answer.strip()
    if answer and call.kind not in DIRECT_KINDS:
        raise ValidationFailedError(
            _("只有咨询、建议和表扬可以当场答复办结；其他诉求请不填答复，进入派单。"), field="answer"
        )
    result = appeal_submit(
        data=AppealInput(
            text=call.text,
            kind=call.kind,
            channel=Channel.HOTLINE,
            area_code=call.area_code,
            address=call.address,
            contact_name=call.contact_name,
            contact_phone=call.contact_phone,
            contact_consent=call.contact_consent,
        ),
        actor=actor,
        idempotency_key=idempotency_key,
        idempotency_scope=f"hotline:{actor.user_id}",
    )
    appeal = result.appeal
    if not answer or appeal.status not in (Status.SUBMITTED, Status.RETURNED):
        return HotlineOutcome(appeal)
    try:
        appeal_answer_directly(appeal=appeal, actor=actor, text=answer)
    except DomainError as error:
        return HotlineOutcome(appeal, answer_error=error.message)
    return HotlineOutcome(appeal, answered=True)
