"""Photos of activities: JPEG, PNG or WebP, checked by their first bytes, at most 5 MB and 20 each."""

from __future__ import annotations

import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core.errors import ForbiddenError, TransitionNotAllowedError, ValidationFailedError
from lianxin.org.models import User

from .models import Activity, ActivityPhoto, ActivityStatus
from .policy import Action, can

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 20
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def sniff_image(content: bytes) -> str | None:
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def activity_add_photo(*, actor: User, activity: Activity, content: bytes) -> ActivityPhoto:
    """An organiser adds a photo (before, during or after the activity; not once it is cancelled)."""
    if not can(actor, activity, Action.VIEW_ROSTER):
        raise ForbiddenError(_("只有本活动的组织者和所在区域的社区工作人员可以上传照片。"))
    if activity.status == ActivityStatus.CANCELLED:
        raise TransitionNotAllowedError(_("活动已取消，不能上传照片。"))
    if not content:
        raise ValidationFailedError(_("请选择一张照片。"), field="photo")
    if len(content) > MAX_PHOTO_BYTES:
        raise ValidationFailedError(_("照片最大 5 MB，请压缩后再传。"), field="photo")
    content_type = sniff_image(content)
    if content_type is None:
        raise ValidationFailedError(_("只能上传 JPEG、PNG 或 WebP 格式的照片。"), field="photo")
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        if locked.photos.count() >= MAX_PHOTOS:
            raise ValidationFailedError(_("每个活动最多 {n} 张照片。").format(n=MAX_PHOTOS), field="photo")
        photo = ActivityPhoto(
            activity=locked, content_type=content_type, size=len(content), uploaded_by=actor
        )
        photo.file.save(f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}", ContentFile(content), save=False)
        photo.save()
    return photo
