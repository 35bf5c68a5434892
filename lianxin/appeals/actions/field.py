"""A grid worker's work on the spot (现场记录, issue 16): an on-the-spot check (现场核查), a photo
(现场照片), a note (备注) or a report back (回告) on an appeal in their grid that is with a unit.

Recorded on the staff timeline only (the note may name neighbours; the photos show homes); the
status does not change. A report back (回告) — and any photo or check — notifies the unit's
handlers, or the dispatchers while no unit holds it, so the people answering the resident know.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core.errors import ValidationFailedError
from lianxin.core.uploads import AttachmentInput
from lianxin.notifications.services import notify_users

from .. import events
from ..actors import Actor
from ..attachments import validate_attachments
from ..models import Appeal, AppealEvent, Attachment, AttachmentSource
from ..policy import Action, ensure_allowed
from .base import _locked, record_event
from .recipients import _dispatcher_ids, _staff_link, _unit_staff_ids
from .validation import _clean_note

CHECK = "check"  # 现场核查: the worker went and saw
PHOTO = "photo"  # 现场照片: a photo of the spot (one is required)
NOTE = "note"  # 备注: anything worth knowing (a neighbour's word, access, timing)
REPORT_BACK = "report_back"  # 回告: the worker tells the unit what is now on the spot
FIELD_KINDS = (CHECK, PHOTO, NOTE, REPORT_BACK)
FIELD_KIND_LABELS = {
    CHECK: gettext_lazy("现场核查"),
    PHOTO: gettext_lazy("现场照片"),
    NOTE: gettext_lazy("备注"),
    REPORT_BACK: gettext_lazy("回告"),
}
# Kinds the unit is told of at once; a plain note waits on the timeline.
_NOTIFIED = (CHECK, PHOTO, REPORT_BACK)


@transaction.atomic
def appeal_field_record(
    *,
    appeal: Appeal | int,
    actor: Actor,
    kind: str,
    note: str = "",
    photos: list[AttachmentInput] | None = None,
) -> AppealEvent:
    """Record a grid worker's check, photo, note or report back on the appeal (its status unchanged).

    A photo record needs a photo; the others need a note (what was seen, what was said) and may
    carry photos. Photos are checked as every upload is (count, size, sniffed type) and kept as
    staff-only attachments (`AttachmentSource.FIELD`)."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.FIELD_RECORD)
    if kind not in FIELD_KINDS:
        raise ValidationFailedError(
            _("请选择记录类型：现场核查（check）、现场照片（photo）、备注（note）或回告（report_back）。"),
            field="kind",
        )
    photos = list(photos or [])
    if kind == PHOTO and not photos:
        raise ValidationFailedError(_("请拍摄或选择一张现场照片后再提交。"), field="photo")
    note = _clean_note(note, required=kind != PHOTO, what=_("现场情况"))
    checked = validate_attachments(photos)
    saved = []
    for item, content_type in checked:
        attachment = Attachment(
            appeal=appeal,
            original_name=item.name[:200],
            content_type=content_type,
            size=len(item.content),
            source=AttachmentSource.FIELD,
            public=False,
        )
        attachment.file.save(item.name[-80:] or "photo", ContentFile(item.content), save=False)
        attachment.save()
        saved.append(attachment)
    event = record_event(
        appeal,
        events.FieldRecorded(kind=kind, attachments=tuple(a.pk for a in saved)),
        actor,
        from_status=appeal.status,
        to_status=appeal.status,
        note=note,
        unit=appeal.unit,
        public=False,
    )
    if kind in _NOTIFIED:
        recipients = _unit_staff_ids(appeal.unit) if appeal.unit_id else _dispatcher_ids(appeal)
        title = _("网格员{kind}：{tracking_number}").format(
            kind=FIELD_KIND_LABELS[kind], tracking_number=appeal.tracking_number
        )
        notify_users(
            user_ids=[i for i in recipients if i != actor.user_id],
            title=title,
            body=(note or appeal.title)[:200],
            link=_staff_link(appeal),
            kind="field_recorded",
        )
    return event
