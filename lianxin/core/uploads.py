"""The checks every uploaded file passes, wherever it is uploaded (an appeal, a reply, a
consultation): count, size, emptiness, the type sniffed from the first bytes and the declared type.

Apps keep their own storage models; they only share these checks, so a file refused on one page
is refused on every page with the same message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailedError

ALLOWED_TYPES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
}


@dataclass
class AttachmentInput:
    name: str
    content: bytes
    declared_type: str = ""


def sniff_content_type(content: bytes) -> str | None:
    for content_type, signatures in ALLOWED_TYPES.items():
        if any(content.startswith(sig) for sig in signatures):
            if content_type == "image/webp" and content[8:12] != b"WEBP":
                continue
            return content_type
    return None


def validate_uploads(
    attachments: Sequence[AttachmentInput], *, max_count: int | None = None, field: str = "attachments"
) -> list[tuple[AttachmentInput, str]]:
    """Each file with its sniffed content type, or ValidationFailedError naming the file and the fix.

    `max_count` defaults to the `LIANXIN["MAX_ATTACHMENTS"]` setting; the size limit is always
    `LIANXIN["MAX_ATTACHMENT_BYTES"]`."""
    limits = settings.LIANXIN
    most = limits["MAX_ATTACHMENTS"] if max_count is None else max_count
    if len(attachments) > most:
        raise ValidationFailedError(
            _("最多上传 {max_attachments} 个附件。").format(max_attachments=most), field=field
        )
    checked = []
    for item in attachments:
        name = (item.name or "附件")[:200]
        if len(item.content) > limits["MAX_ATTACHMENT_BYTES"]:
            mb = limits["MAX_ATTACHMENT_BYTES"] // (1024 * 1024)
            raise ValidationFailedError(
                _("附件“{name}”超过 {mb} MB，请压缩后再上传。").format(name=name, mb=mb), field=field
            )
        if not item.content:
            raise ValidationFailedError(_("附件“{name}”是空文件。").format(name=name), field=field)
        actual = sniff_content_type(item.content)
        if actual is None:
            raise ValidationFailedError(
                _("附件“{name}”不是支持的图片或 PDF 文件（支持 JPEG、PNG、GIF、WebP、PDF）。").format(
                    name=name
                ),
                field=field,
            )
        declared = (item.declared_type or "").split(";")[0].strip().lower()
        if declared and declared not in ("application/octet-stream", actual):
            raise ValidationFailedError(
                _("附件“{name}”的实际类型是 {actual}，与声明的 {declared} 不符。").format(
                    name=name, actual=actual, declared=declared
                ),
                field=field,
            )
        checked.append((item, actual))
    return checked
