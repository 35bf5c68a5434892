"""Masking of personal identifiers, for every layer (appeals, the admin, logs)."""

from __future__ import annotations

import re

NON_DIGITS = re.compile(r"\D")  # non-digits


def mask_phone(phone: str) -> str:
    """`13812341234` → `138****1234`; short numbers keep only their last two digits."""
    digits = NON_DIGITS.sub("", phone or "")
    if not digits:
        return ""
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        return f"{digits[:2]}{'*' * (len(digits) - 4)}{digits[-2:]}"
    return "*" * (len(digits) - 2) + digits[-2:]
