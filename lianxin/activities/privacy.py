"""Masking of residents' names in community life (phones use `lianxin.core.masking`)."""

from __future__ import annotations

from lianxin.core.masking import mask_phone

__all__ = ["mask_name", "mask_phone"]


def mask_name(name: str) -> str:
    """`张三丰` → `张**`; `Alice` → `A****`; empty stays empty."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)
