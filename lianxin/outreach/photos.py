"""Photos of visits (走访照片): the same checks as appeal attachments (`appeals.attachments`: count per
upload, size, the type sniffed from the first bytes and matching the declared one), images only, at
most `MAX_VISIT_PHOTOS` a visit. Added with the visit or afterwards (`services.visit_add_photos`) by
whoever may log visits for the household; seen only by those who may see the household and its visits
(`policy.can` VIEW)."""

from __future__ import annotations

import uuid

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from lianxin.appeals.attachments import AttachmentInput, validate_attachments
from lianxin.core.errors import NotFoundError, ValidationFailedError
from lianxin.org.models import User

from . import policy
from .models import Visit, VisitPhoto

MAX_VISIT_PHOTOS = 9
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}


def check_photos(photos: list[AttachmentInput]) -> list[tuple[AttachmentInput, str]]:
    """Every photo checked, or ValidationFailedError naming the file and what is wrong."""
    checked = validate_attachments(photos)
    for item, content_type in checked:
        if content_type not in EXTENSIONS:
            raise ValidationFailedError(
                _("“{name}”不是照片：走访照片只接受 JPEG、PNG、GIF 或 WebP 图片。").format(
                    name=(item.name or "")[:100]
                ),
                field="photos",
            )
    return checked


def save_photos(*, visit: Visit, actor: User, checked: list[tuple[AttachmentInput, str]]) -> list[VisitPhoto]:
    """Store checked photos on the visit (inside the caller's transaction, the visit row locked)."""
    if visit.photos.count() + len(checked) > MAX_VISIT_PHOTOS:
        raise ValidationFailedError(_("每次走访最多 {n} 张照片。").format(n=MAX_VISIT_PHOTOS), field="photos")
    saved = []
    for item, content_type in checked:
        photo = VisitPhoto(
            visit=visit,
            original_name=(item.name or "photo")[:200],
            content_type=content_type,
            size=len(item.content),
            uploaded_by=actor,
        )
        photo.file.save(
            f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}", ContentFile(item.content), save=False
        )
        photo.save()
        saved.append(photo)
    return saved


def photo_for(user: User, *, visit_id: int, photo_id: int) -> VisitPhoto:
    """The photo if `user` may see the visit; absent and not-yours are the same 404."""
    photo = (
        VisitPhoto.objects.select_related("visit__household__grid")
        .filter(pk=photo_id, visit_id=visit_id)
        .first()
    )
    if photo is None or not policy.can(user, photo.visit.household, policy.Action.VIEW):
        raise NotFoundError(_("没有这张照片。"))
    return photo


def visit_for(user: User, visit_id: int, action: str = policy.Action.VIEW) -> Visit:
    visit = Visit.objects.select_related("household__grid").filter(pk=visit_id).first()
    if visit is None or not policy.can(user, visit.household, action):
        raise NotFoundError(_("走访记录不存在或您无权查看。"))
    return visit
