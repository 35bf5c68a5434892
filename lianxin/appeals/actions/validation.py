"""Cleaning what people type into an action (notes, replies, the unit named)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailedError
from lianxin.org.models import Unit

from ..models import TEXT_MAX_LENGTH

NOTE_MAX_LENGTH = 1000


def _clean_note(note: str, *, required: bool = False, field: str = "note", what: str = _("说明")) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationFailedError(_("请填写{what}。").format(what=what), field=field)
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationFailedError(
            _("{what}最多 {note_max_length} 字，当前 {length} 字。").format(
                what=what, note_max_length=NOTE_MAX_LENGTH, length=len(note)
            ),
            field=field,
        )
    return note


def _unit_or_error(unit: Unit | int | str | None, *, field: str = "unit") -> Unit:
    if isinstance(unit, Unit):
        return unit
    qs = Unit.objects.filter(active=True)
    found = None
    if isinstance(unit, int):
        found = qs.filter(pk=unit).first()
    elif isinstance(unit, str) and unit:
        found = qs.filter(code=unit).first()
    if found is None:
        raise ValidationFailedError(_("请选择一个有效的承办单位（单位编码或编号）。"), field=field)
    return found


def _clean_text(text: str, *, field: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailedError(_("请填写{what}。").format(what=what), field=field)
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationFailedError(
            _("{what}最多 {text_max_length} 字，当前 {length} 字，请精简后再提交。").format(
                what=what, text_max_length=TEXT_MAX_LENGTH, length=len(text)
            ),
            field=field,
        )
    return text
