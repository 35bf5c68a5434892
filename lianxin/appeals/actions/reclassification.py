"""Reclassification (改分类): correcting an appeal's category or area."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailedError
from lianxin.org import gazetteer
from lianxin.org.models import Area, AreaLevel, Category

from .. import events, triage_bridge
from ..actors import Actor
from ..models import Appeal, Status
from ..policy import Action, ensure_allowed
from ..routing import forget_routing_history
from .base import _locked, _transition
from .validation import _clean_note

logger = logging.getLogger(__name__)


# Where an appeal may be moved to: a community or a grid (the rollups' fine grain is the grid).
RECLASSIFY_AREA_LEVELS = (AreaLevel.COMMUNITY, AreaLevel.GRID)


def _new_category(appeal: Appeal, category: Category | str | None) -> Category | None:
    """The category asked for (a code or an instance), checked as intake checks it; None/"" keeps it."""
    if category is None or category == "":
        return appeal.category
    if isinstance(category, Category):
        found: Category | None = category
        code = category.code
    else:
        code = category.strip()
        if appeal.category is not None and code == appeal.category.code:
            return appeal.category
        found = Category.objects.filter(code=code).first()
    if found is not None and found.pk == appeal.category_id:
        return appeal.category
    if found is None or not found.active:
        raise ValidationFailedError(
            _("分类编码“{category_code}”不存在或已停用，请从分类列表中选择。").format(category_code=code),
            field="category",
        )
    return found


def _new_area(appeal: Appeal, area: Area | str | None) -> Area | None:
    """The area asked for (a code or an instance): a community or grid
    the platform knows; None/"" keeps it."""
    if area is None or area == "":
        return appeal.area
    if isinstance(area, Area):
        found: Area | None = area
        code = area.code
    else:
        code = area.strip()
        if appeal.area is not None and code == appeal.area.code:
            return appeal.area
        found = Area.objects.filter(code=code).first()
    if found is None:
        raise ValidationFailedError(
            _("区域编码“{area_code}”不存在，请从区域列表中选择。").format(area_code=code), field="area"
        )
    if found.pk == appeal.area_id:
        return appeal.area
    if found.level not in RECLASSIFY_AREA_LEVELS:
        raise ValidationFailedError(
            _("“{name}”是{level}；请选择具体的社区或网格。").format(
                name=found.name, level=found.get_level_display()
            ),
            field="area",
        )
    return found


def _described(key: str, obj: Category | Area | None) -> dict[str, Any]:
    """`key`, `key_code`, `key_name` of a category or area, the event's fields (None when absent)."""
    return {
        key: obj.pk if obj else None,
        f"{key}_code": obj.code if obj else None,
        f"{key}_name": obj.name if obj else None,
    }


# The statuses in which the dispatch suggestion still matters: nobody has the appeal yet.
AWAITING_DISPATCH = (Status.SUBMITTED, Status.RETURNED)


def _routed(category: Category | None, area: Area | None) -> triage_bridge.Routed:
    """What intake's routing would suggest now (`triage_bridge.route_unit`). As at intake, a
    failure of the routing leaves no suggestion (a dispatcher chooses) instead of failing the
    change; the savepoint keeps the transaction usable after a database error."""
    try:
        with transaction.atomic():
            return triage_bridge.route_unit(category, area)
    except Exception:
        logger.exception("Routing failed while reclassifying; the appeal keeps no dispatch suggestion")
        return triage_bridge.Routed()


@transaction.atomic
def appeal_reclassify(
    *,
    appeal: Appeal | int,
    actor: Actor,
    category: Category | str | None = None,
    area: Area | str | None = None,
    reason: str,
) -> Appeal:
    """Correct an appeal's category and/or area (改分类), with a reason.

    The unit, the status and the deadlines stay as they are (a dispatcher re-dispatches separately
    if the new classification calls for another unit). An appeal still awaiting dispatch
    (submitted or returned) gets a new dispatch suggestion (`suggested_unit`) from the same
    routing intake uses, recorded as `from_suggested_unit` / `to_suggested_unit` on the event; a
    dispatched one keeps its suggestion. Every process's duplicate index re-files the appeal
    under its new area on its next refresh (`appeals.duplicates`). The KPI rollups move the
    appeal's earlier figures to the new classification on their next fold (docs/kpis.md, "Area
    and category")."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.RECLASSIFY)
    old_category, old_area = appeal.category, appeal.area
    new_category = _new_category(appeal, category)
    new_area = _new_area(appeal, area)
    if new_category == old_category and new_area == old_area:
        raise ValidationFailedError(
            _("分类和区域都没有变化；请选择新的分类或区域，或不做改分类。"),
            field="area" if area and not category else "category",
        )
    reason = _clean_note(reason, required=True, field="reason", what=_("改分类原因"))
    fields: dict[str, Any] = {
        **_described("from_category", old_category),
        **_described("to_category", new_category),
        **_described("from_area", old_area),
        **_described("to_area", new_area),
    }
    changes: dict[str, Any] = {"category": new_category, "area": new_area}
    if appeal.status in AWAITING_DISPATCH:
        routed = _routed(new_category, new_area)
        fields.update(
            rerouted=True,
            from_suggested_unit=appeal.suggested_unit_id,
            to_suggested_unit=routed.unit.pk if routed.unit else None,
        )
        changes["suggested_unit"] = routed.unit
        changes["suggestion"] = triage_bridge.rerouted(appeal.suggestion, routed)
    _transition(
        appeal,
        Action.RECLASSIFY,
        actor,
        events.Reclassified(**fields),
        note=reason,
        public=False,
        changes=changes,
    )
    if new_area is not None and new_area != old_area and appeal.address:
        gazetteer.learn(
            address=appeal.address, grid=new_area
        )  # the dispatcher's correction teaches the address
    # The routing history of a category counts its appeals' dispatches and returns by their
    # current category and area: this appeal's now count elsewhere.
    codes = sorted({c.code for c in (old_category, new_category) if c is not None})

    def forget() -> None:
        for code in codes:
            forget_routing_history(code)

    transaction.on_commit(forget)
    return appeal
