"""Work lists: warnings, follow-up checks and weak replies within a jurisdiction (the orders a user
sees are `policy.orders_visible`, beside the rule for acting on them)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from lianxin.appeals.models import AppealEvent

from ..models import FollowUp, FollowUpStatus, RaisedWarning, WarningStatus
from .periods import Jurisdiction, area_subtree_ids


def warnings_visible(j: Jurisdiction, *, status: str = WarningStatus.OPEN) -> QuerySet[RaisedWarning]:
    qs = RaisedWarning.objects.select_related("rule", "appeal", "unit", "area", "category", "cadre")
    if status:
        qs = qs.filter(status=status)
    if not j.everything:
        areas = area_subtree_ids(j.area_paths)
        qs = qs.filter(Q(appeal__area_id__in=areas) | Q(area_id__in=areas) | Q(unit__area_id__in=areas))
    return qs


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
