"""Work lists: warnings, supervision orders, follow-up checks and weak replies a user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from lianxin.appeals.models import AppealEvent
from lianxin.core.errors import NotFound
from lianxin.org.models import User

from ..models import FollowUp, FollowUpStatus, RaisedWarning, SupervisionOrder, WarningStatus
from .periods import Jurisdiction, area_subtree_ids, jurisdiction_of


def warnings_visible(j: Jurisdiction, *, status: str = WarningStatus.OPEN) -> QuerySet[RaisedWarning]:
    qs = RaisedWarning.objects.select_related("rule", "appeal", "unit", "area", "category", "cadre")
    if status:
        qs = qs.filter(status=status)
    if not j.everything:
        areas = area_subtree_ids(j.area_paths)
        qs = qs.filter(
            Q(appeal__area_id__in=areas) | Q(area_id__in=areas) | Q(unit__area_id__in=areas)
        )
    return qs


def orders_visible(user: User) -> QuerySet[SupervisionOrder]:
    j = jurisdiction_of(user)
    qs = SupervisionOrder.objects.select_related("unit", "appeal", "created_by")
    if j.everything:
        return qs
    q = Q(unit_id__in=j.unit_ids)
    if j.area_paths:
        areas = area_subtree_ids(j.area_paths)
        q |= Q(unit__area_id__in=areas) | Q(appeal__area_id__in=areas) | Q(created_by=user)
    return qs.filter(q)


def order_get_for_user(user: User, pk: int) -> SupervisionOrder:
    order = orders_visible(user).filter(pk=pk).first()
    if order is None:
        raise NotFound(_("没有找到该督办单。"))
    return order


def follow_ups_visible(j: Jurisdiction) -> QuerySet[FollowUp]:
    qs = FollowUp.objects.select_related("appeal", "unit", "done_by")
    if not j.everything:
        qs = qs.filter(appeal__area_id__in=area_subtree_ids(j.area_paths))
    return qs


def follow_up_queue(j: Jurisdiction) -> QuerySet[FollowUp]:
    return follow_ups_visible(j).filter(status=FollowUpStatus.PENDING).order_by("sampled_at", "pk")


# --- 每月一题 and hotspots -----------------------------------------------------------------------------


WEAK_REPLY_THRESHOLD = 0.45


def weak_replies(j: Jurisdiction, *, threshold: float = WEAK_REPLY_THRESHOLD) -> QuerySet[AppealEvent]:
    """Replies that the triage engine scores as answering their appeal poorly (boilerplate,
    evasive or off the point), lowest first, within the user's jurisdiction."""
    events = AppealEvent.objects.filter(type="replied", data__reply_quality__overall__lt=threshold)
    if not j.everything:
        from lianxin.org.selectors import area_subtree_q

        events = events.filter(area_subtree_q(j.area_paths, prefix="appeal__area__path"))
    return events.select_related("appeal", "unit").order_by("data__reply_quality__overall", "-at")
