"""Cases as plain data for the API and the pages (parties through `privacy`, so every look is audited)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils import timezone

from lianxin.appeals.actors import Actor
from lianxin.org.models import User

from .deadlines import deadline_state
from .models import RUNNING_STATUSES, STATUS_LABELS, CaseEvent, EventType, MediationCase
from .policy import allowed_actions, is_mediation_staff
from .privacy import parties_for


def actor_for(user: User, case: MediationCase) -> Actor:
    """A resident acting on their own request, or a member of staff."""
    if case.requested_by_id == user.pk and not is_mediation_staff(user):
        return Actor.resident(user)
    return Actor.staff(user)


def deadline_of(case: MediationCase) -> str:
    return deadline_state(case.due_at, timezone.now(), running=case.status in RUNNING_STATUSES)


def list_item(case: MediationCase) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "dispute_type": case.dispute_type,
        "status": case.status,
        "status_label": str(STATUS_LABELS[case.status]),
        "area": case.area.name,
        "high_risk": case.high_risk,
        "opened_at": case.opened_at,
        "due_at": case.due_at,
        "deadline": deadline_of(case),
    }


def detail(case: MediationCase, user: User) -> dict[str, Any]:
    return {
        **list_item(case),
        "description": case.description,
        "source": case.source,
        "place": case.place,
        "appeal": case.appeal.tracking_number if case.appeal_id and case.appeal else None,
        "mediator": (case.mediator.display_name or case.mediator.username) if case.mediator else None,
        "risk_reasons": list(case.risk_reasons),
        "extended_days": case.extended_days,
        "agreement_text": case.agreement_text,
        "referral_target": case.referral_target,
        "outcome_note": case.outcome_note,
        "agreement_kept": case.agreement_kept,
        "parties": [asdict(p) for p in parties_for(user, case)],
        "allowed_actions": allowed_actions(actor_for(user, case), case),
    }


def event_item(event: CaseEvent) -> dict[str, Any]:
    return {
        "type": event.type,
        "label": str(dict(EventType.choices).get(event.type, event.type)),
        "at": event.at,
        "actor": event.actor_label,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "note": event.note,
    }
