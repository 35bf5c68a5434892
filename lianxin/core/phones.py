"""China's numbering plan for the phones residents give: one rule for every channel and import.

Accepted: 11-digit mobiles with a mobile prefix (13–19), and landlines with their area code
(010, 02x + 8 digits; 0xxx + 7 or 8 digits), written with spaces, dashes, brackets or dots, and
with a `+86` / `0086` / `86` country code. The stored form is the digits as dialled inside China
(`+86 138-1234-1234` → `13812341234`, `(0571) 8765 4321` → `057187654321`), so an exact search by
the number finds it whatever way it was written. Each refusal says what is wrong.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[\s\-().·]")
_MOBILE = re.compile(r"1[3-9]\d{9}")


class PhoneInvalidError(ValueError):
    """The number cannot be reached; `str(error)` says why, in the reader's language."""


def normalise_cn_phone(raw: str) -> str:
    """The number as digits dialled inside China, or PhoneInvalidError with what is wrong."""
    text = _SEPARATORS.sub("", (raw or "").strip())
    if not text:
        raise PhoneInvalidError(_("请填写联系电话。"))
    if text.startswith("+"):
        if not text.startswith("+86"):
            raise PhoneInvalidError(_("只接受中国大陆的电话号码（+86）。"))
        text = text[3:]
    if not text.isdigit():
        raise PhoneInvalidError(_("联系电话只能包含数字、空格、短横线、括号和 +86。"))
    if text.startswith("0086"):
        text = text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if text.startswith("1"):
        if len(text) != 11:
            raise PhoneInvalidError(_("手机号应为 11 位，现在是 {n} 位，请核对。").format(n=len(text)))
        if not _MOBILE.fullmatch(text):
            raise PhoneInvalidError(_("手机号应以 13 至 19 开头，请核对。"))
        return text
    if text.startswith("0"):
        area = 3 if text[1:2] in {"1", "2"} else 4
        subscriber = len(text) - area
        if (area == 3 and subscriber != 8) or (area == 4 and subscriber not in (7, 8)):
            raise PhoneInvalidError(_("固定电话请写全区号和号码，例如 010-12345678 或 0571-8765432。"))
        return text
    raise PhoneInvalidError(_("请填写 11 位手机号，或带区号的固定电话（例如 13812345678、010-12345678）。"))
