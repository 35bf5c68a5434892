"""What a delivery says about an appeal event. Without personal data by default: no contact, no
title or text (residents write names and numbers into them), no actor's name. Only a subscription
allowed to carry personal data, whose owner may see the contact, gets them, and never for an
anonymous appeal."""

from __future__ import annotations

from typing import Any

from lianxin.appeals.models import Appeal, AppealEvent


def _ref(obj: Any) -> dict[str, str] | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def event_payload(event: AppealEvent) -> dict[str, Any]:
    appeal = event.appeal
    return {
        "event": event.type,
        "event_id": event.pk,
        "occurred_at": _iso(event.at),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "event_unit": _ref(event.unit),
        "appeal": {
            "tracking_number": appeal.tracking_number,
            "status": appeal.status,
            "kind": appeal.kind,
            "channel": appeal.channel,
            "urgency": appeal.urgency,
            "anonymous": appeal.is_anonymous,
            "category": _ref(appeal.category),
            "area": {**_ref(appeal.area), "path": appeal.area.path} if appeal.area else None,  # type: ignore[dict-item]
            "unit": _ref(appeal.unit),
            "submitted_at": _iso(appeal.submitted_at),
            "dispatched_at": _iso(appeal.dispatched_at),
            "replied_at": _iso(appeal.replied_at),
            "closed_at": _iso(appeal.closed_at),
            "resolve_due_at": _iso(appeal.resolve_due_at),
            "overdue": appeal.overdue,
            "satisfaction": appeal.satisfaction or None,
        },
    }


def personal_part(appeal: Appeal) -> dict[str, Any]:
    """Added at send time to a subscription allowed to carry it (never stored in the delivery log)."""
    return {
        "title": appeal.title,
        "text": appeal.text,
        "contact": {"name": appeal.contact_name, "phone": appeal.contact_phone},
    }
