"""Closing the loop with the residents whose appeals led to a consultation (issue 18, "from appeals
to consultations"): when a consultation opened from appeal data (`ConsultationOrigin`) is
published, the residents who raised the linked appeals are invited to take part; when its
decision is published, they are told. Residents with an account get a notification; a hotline
caller without an account gets a text message on the number they gave for their appeal.

Anonymity is kept: an anonymous appeal's resident is told only through their own account (nobody
else learns who they are), never on the sealed call-back number, which serves their appeal alone.
Each resident is told once per step (several appeals of one resident, one message); nothing
personal goes into the event or audit record, only counts."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.sms import sms_send
from lianxin.notifications.services import notify_users

from ..models import Consultation, ConsultationOrigin

logger = logging.getLogger(__name__)

INVITE, DECISION = "invite", "decision"


@dataclass(frozen=True)
class Told:
    accounts: int
    texts: int


def _recipients(origin: ConsultationOrigin) -> tuple[list[int], dict[str, str]]:
    """Account ids, and phone → a tracking number (the SMS reference) for callers without an account."""
    accounts: set[int] = set()
    phones: dict[str, str] = {}
    for appeal in origin.appeals.all().only(
        "pk", "resident_id", "is_anonymous", "contact_phone", "tracking_number"
    ):
        if appeal.resident_id is not None:
            accounts.add(appeal.resident_id)
        elif not appeal.is_anonymous and appeal.contact_phone:
            phones.setdefault(appeal.contact_phone, appeal.tracking_number)
    return sorted(accounts), phones


def tell_appellants(*, consultation_id: int, step: str) -> Told:
    """Invite (on publication) or tell of the decision (on the decision's publication) the
    residents of the consultation's origin appeals. Run after commit (a background task)."""
    consultation = Consultation.objects.filter(pk=consultation_id).select_related("origin").first()
    origin = getattr(consultation, "origin", None) if consultation is not None else None
    if consultation is None or origin is None:
        return Told(0, 0)
    accounts, phones = _recipients(origin)
    base = str(settings.LIANXIN.get("PUBLIC_BASE_URL", "")).rstrip("/")
    if step == INVITE:
        path = f"/consultations/{consultation.slug}/"
        title = _("您反映过的问题正在征求意见：{t}").format(t=consultation.title)
        text = _("【连心】您反映过的问题，相关单位正在征求意见“{t}”，欢迎参与：{link}")
    else:
        path = f"/consultations/{consultation.slug}/decision/"
        title = _("您反映过的问题有了决定：{t}").format(t=consultation.title)
        text = _("【连心】您反映过的问题，征求意见“{t}”已公布决定和采纳情况：{link}")
    notify_users(user_ids=accounts, title=title, link=path, kind=f"consultation_appellants_{step}")
    sent = 0
    for number, reference in phones.items():
        try:
            sms_send(
                number=number,
                text=text.format(t=consultation.title[:60], link=base + path),
                reference=reference,
            )
            sent += 1
        except Exception:  # a provider failure never undoes the publication
            logger.exception("Consultation SMS to the resident of %s failed", reference)
    audit_append(
        action=AuditAction.STATE_CHANGE,
        object_type="consultation",
        object_id=consultation.pk,
        actor=None,
        data={"appellants_told": step, "accounts": len(accounts), "texts": sent},
    )
    return Told(len(accounts), sent)
