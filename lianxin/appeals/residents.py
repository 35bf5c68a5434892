"""A resident's own data: download everything we hold about them, and ask for its erasure (PIPL Art. 45, 47).

Erasure where the law allows: while an appeal of theirs is still being handled, its contact details
are needed to handle and answer it, so erasure waits until those are finished (or withdrawn). Then
the account is anonymised and deactivated, and every appeal of theirs loses who raised it — the
case itself (category, area, dates, handling, rating) stays in the public record and the figures.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.errors import ConflictError
from lianxin.org.models import User

from .models import STATUS_LABELS, Appeal
from .retention import FINISHED, redact
from .selectors import public_timeline


def resident_data_export(*, user: User) -> dict[str, Any]:
    """Everything held about the resident, as one JSON-ready object; the download is audited."""
    appeals = []
    for appeal in (
        Appeal.objects.filter(resident=user).select_related("category", "area").order_by("submitted_at")
    ):
        appeals.append(
            {
                "tracking_number": appeal.tracking_number,
                "submitted_at": appeal.submitted_at.isoformat(),
                "status": str(STATUS_LABELS.get(appeal.status, appeal.status)),
                "title": appeal.title,
                "text": appeal.text,
                "category": appeal.category.name if appeal.category else "",
                "area": appeal.area.name if appeal.area else "",
                "address": appeal.address,
                "contact_name": appeal.contact_name,
                "contact_phone": appeal.contact_phone,
                "anonymous": appeal.is_anonymous,
                "satisfaction": appeal.satisfaction,
                "rating_comment": appeal.rating_comment,
                "timeline": [
                    {"at": e.at.isoformat(), "what": e.get_type_display(), "note": e.note}
                    for e in public_timeline(appeal)
                ],
            }
        )
    with transaction.atomic():
        audit_append(
            action=AuditAction.PERSONAL_DATA_VIEW,
            object_type="user",
            object_id=user.pk,
            actor=user,
            data={"purpose": "own_data_download", "appeals": len(appeals)},
        )
    return {
        "account": {
            "username": user.username,
            "name": user.display_name,
            "phone": user.phone,
            "email": user.email,
            "joined": user.date_joined.isoformat(),
        },
        "appeals": appeals,
    }


def resident_erase(*, user: User) -> int:
    """Erase the resident's personal data; returns how many appeals were anonymised."""
    with transaction.atomic():
        unfinished = list(
            Appeal.objects.filter(resident=user)
            .exclude(status__in=FINISHED)
            .values_list("tracking_number", flat=True)[:10]
        )
        if unfinished:
            raise ConflictError(
                _(
                    "以下诉求仍在办理，办理和答复需要您的联系方式：{numbers}。请在办结或撤回后再申请删除。"
                ).format(numbers="、".join(unfinished)),
                code="appeals_in_progress",
            )
        mine = list(
            Appeal.objects.select_for_update(of=("self",)).filter(resident=user).only("pk", "text", "title")
        )
        for appeal in mine:
            Appeal.objects.filter(pk=appeal.pk).update(
                contact_name="",
                contact_phone="",
                contact_phone_hash="",
                callback_sealed="",
                contact_consent=False,
                resident=None,
                text=redact(appeal.text),
                title=redact(appeal.title),
            )
        audit_append(
            action=AuditAction.PERSONAL_DATA_ERASED,
            object_type="user",
            object_id=user.pk,
            actor_label="resident",
            data={"kind": "own_request", "appeals": len(mine)},
        )
        user.username = f"erased-{user.pk}"
        user.display_name = user.first_name = user.last_name = user.email = user.phone = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
    return len(mine)
