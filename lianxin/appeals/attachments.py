"""The checks every file uploaded on an appeal or on a reply passes: count, size, sniffed type.

They are shared with the other apps that take uploads and live in `lianxin.core.uploads`; this
module keeps the names the appeals code (and outreach's visit photos) import.
"""

from __future__ import annotations

from lianxin.core.uploads import ALLOWED_TYPES, AttachmentInput, sniff_content_type, validate_uploads


def _validate_attachments(attachments: list[AttachmentInput]) -> list[tuple[AttachmentInput, str]]:
    return validate_uploads(attachments)


def validate_attachments(attachments: list[AttachmentInput]) -> list[tuple[AttachmentInput, str]]:
    """The checks every upload passes (count, size, sniffed type, declared type): each item with
    its sniffed content type."""
    return validate_uploads(attachments)


__all__ = [
    "ALLOWED_TYPES",
    "AttachmentInput",
    "_validate_attachments",
    "sniff_content_type",
    "validate_attachments",
]
