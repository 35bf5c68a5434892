"""The checks every uploaded file passes, on an appeal or on a reply: count, size, sniffed type."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailed

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


def _validate_attachments(attachments: list[AttachmentInput]) -> list[tuple[AttachmentInput, str]]:
    limits = settings.LIANXIN
    if len(attachments) > limits["MAX_ATTACHMENTS"]:
        raise ValidationFailed(
            _("最多上传 {max_attachments} 个附件。").format(max_attachments=limits["MAX_ATTACHMENTS"]),
            field="attachments",
        )
    checked = []
    for item in attachments:
        name = (item.name or "附件")[:200]
        if len(item.content) > limits["MAX_ATTACHMENT_BYTES"]:
            mb = limits["MAX_ATTACHMENT_BYTES"] // (1024 * 1024)
            raise ValidationFailed(
                _("附件“{name}”超过 {mb} MB，请压缩后再上传。").format(name=name, mb=mb), field="attachments"
            )
        if not item.content:
            raise ValidationFailed(_("附件“{name}”是空文件。").format(name=name), field="attachments")
        actual = sniff_content_type(item.content)
        if actual is None:
            raise ValidationFailed(
                _("附件“{name}”不是支持的图片或 PDF 文件（支持 JPEG、PNG、GIF、WebP、PDF）。").format(
                    name=name
                ),
                field="attachments",
            )
        declared = (item.declared_type or "").split(";")[0].strip().lower()
        if declared and declared not in ("application/octet-stream", actual):
            raise ValidationFailed(
                _("附件“{name}”的实际类型是 {actual}，与声明的 {declared} 不符。").format(
                    name=name, actual=actual, declared=declared
                ),
                field="attachments",
            )
        checked.append((item, actual))
    return checked


def validate_attachments(attachments: list[AttachmentInput]) -> list[tuple[AttachmentInput, str]]:
    """The checks every upload passes (count, size, sniffed type, declared type), for other apps'
    files (outreach's visit photos): each item with its sniffed content type."""
    return _validate_attachments(attachments)
