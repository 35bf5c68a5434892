"""Co-handling (协办): adding a co-handling unit and its reply."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import TransitionNotAllowedError, ValidationFailedError
from lianxin.org.models import Unit

from .. import events
from ..actors import Actor
from ..models import Appeal, CoHandler
from ..policy import Action, ensure_allowed, handler_units
from .base import _locked, record_event
from .recipients import _notify_unit
from .validation import _clean_note, _clean_text, _unit_or_error


@transaction.atomic
def appeal_add_co_handler(
    *, appeal: Appeal | int, actor: Actor, unit: Unit | int | str, note: str = ""
) -> CoHandler:
    """Ask another unit to help (协办)."""
    appeal = _locked(appeal)
    co_unit = _unit_or_error(unit)
    ensure_allowed(actor, appeal, Action.ADD_CO_HANDLER)
    if co_unit.pk == appeal.unit_id:
        raise ValidationFailedError(_("主办单位不能同时作为协办单位。"), field="unit")
    if appeal.co_handlers.filter(unit=co_unit).exists():
        raise ValidationFailedError(_("该单位已经是协办单位。"), field="unit")
    co = CoHandler.objects.create(appeal=appeal, unit=co_unit, added_at=timezone.now())
    record_event(
        appeal,
        events.CoHandlerAdded(),
        actor,
        from_status=appeal.status,
        to_status=appeal.status,
        note=_clean_note(note),
        unit=co_unit,
    )
    _notify_unit(
        appeal,
        co_unit,
        _("协办请求：{tracking_number}").format(tracking_number=appeal.tracking_number),
        "co_handler",
    )
    return co


@transaction.atomic
def appeal_co_reply(*, appeal: Appeal | int, actor: Actor, text: str) -> CoHandler:
    """A co-handling unit gives its part of the answer to the main unit."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.CO_REPLY)
    text = _clean_text(text, field="text", what=_("协办意见"))
    units = handler_units(actor.scope) if not actor.system else frozenset()
    co = appeal.co_handlers.filter(unit_id__in=units).select_related("unit").first()
    if co is None:
        raise TransitionNotAllowedError(_("您所在单位不是该诉求的协办单位。"))
    co.reply_text, co.replied_at = text, timezone.now()
    co.save(update_fields=["reply_text", "replied_at"])
    record_event(
        appeal,
        events.CoHandlerReplied(),
        actor,
        from_status=appeal.status,
        to_status=appeal.status,
        note=text,
        unit=co.unit,
        public=False,
    )
    _notify_unit(
        appeal,
        appeal.unit,
        _("协办单位已答复：{tracking_number}").format(tracking_number=appeal.tracking_number),
        "co_reply",
    )
    return co
