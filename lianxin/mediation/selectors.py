"""Reads: the cases a user may see, the work queues, the mediators for a case, the figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import NotFoundError
from lianxin.org.models import User
from lianxin.org.selectors import area_subtree_q

from .models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    RUNNING_STATUSES,
    CaseEvent,
    MediationCase,
    Mediator,
    Status,
)
from .policy import visible_q

NOT_FOUND = "没有找到该调解案件，或您无权查看。"
QUEUES = ("to_accept", "to_assign", "mine", "in_mediation", "agreed", "high_risk", "overdue", "closed", "all")


def cases_visible_to(user: User | None) -> QuerySet[MediationCase]:
    return MediationCase.objects.filter(visible_q(user)).distinct()


def case_get_for_user(user: User | None, pk: int) -> MediationCase:
    """The case if `user` may see it; the same error for absent and not visible."""
    case = cases_visible_to(user).select_related("area", "mediator", "appeal").filter(pk=pk).first()
    if case is None:
        raise NotFoundError(_(NOT_FOUND))
    return case


def queue(user: User, name: str, *, now: dt.datetime | None = None) -> QuerySet[MediationCase]:
    now = now or timezone.now()
    qs = cases_visible_to(user)
    filters: dict[str, Q] = {
        "to_accept": Q(status=Status.REQUESTED),
        "to_assign": Q(status=Status.ACCEPTED),
        "mine": Q(mediator=user, status__in=OPEN_STATUSES),
        "in_mediation": Q(status__in=(Status.ASSIGNED, Status.IN_MEDIATION)),
        "agreed": Q(status=Status.AGREED),
        "high_risk": Q(high_risk=True, status__in=OPEN_STATUSES),
        "overdue": Q(status__in=RUNNING_STATUSES, due_at__lt=now),  # without waiting for the sweep
        "closed": Q(status__in=FINAL_STATUSES),
        "all": Q(),
    }
    if name not in filters:
        raise NotFoundError(_("没有这个工作队列：{name}。").format(name=name))
    return qs.filter(filters[name]).order_by("priority", "due_at", "-opened_at")


def cases_of_resident(user: User) -> QuerySet[MediationCase]:
    return (
        MediationCase.objects.filter(Q(requested_by=user) | Q(parties__user=user))
        .distinct()
        .order_by("-opened_at")
    )


def mediators_for(case: MediationCase) -> list[User]:
    """Active mediators registered for the case's area or an area containing it."""
    path = case.area.path
    codes = path.split("/")
    posts = (
        Mediator.objects.filter(active=True, area__code__in=codes)
        .select_related("user")
        .order_by("user__username")
    )
    return list({p.user_id: p.user for p in posts}.values())


def timeline(case: MediationCase) -> QuerySet[CaseEvent]:
    return case.events.order_by("at", "id")


def figures(
    *,
    area_paths: tuple[str, ...] | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> dict[str, Any]:
    """Cases by type and outcome, the agreement rate (agreed of those concluded), the share kept
    on follow-up (履行率), the mean days to close, per mediator and per community."""
    qs = MediationCase.objects.all()
    if area_paths:
        qs = qs.filter(area_subtree_q(area_paths))
    if since:
        qs = qs.filter(opened_at__gte=since)
    if until:
        qs = qs.filter(opened_at__lt=until)
    concluded = Q(status__in=(Status.AGREED, Status.CLOSED, Status.REFERRED))
    agreed = Q(status__in=(Status.AGREED, Status.CLOSED))
    totals = qs.aggregate(
        total=Count("id"),
        concluded=Count("id", filter=concluded),
        agreed=Count("id", filter=agreed),
        followed=Count("id", filter=Q(agreement_kept__isnull=False)),
        kept=Count("id", filter=Q(agreement_kept=True)),
        high_risk=Count("id", filter=Q(high_risk=True)),
    )
    duration = ExpressionWrapper(F("closed_at") - F("opened_at"), output_field=DurationField())
    mean = qs.filter(closed_at__isnull=False).aggregate(d=Avg(duration))["d"]
    return {
        **totals,
        "agreement_rate": _rate(totals["agreed"], totals["concluded"]),
        "kept_rate": _rate(totals["kept"], totals["followed"]),
        "mean_days_to_close": round(mean.total_seconds() / 86400, 1) if mean else None,
        "by_type": dict(qs.values_list("dispute_type").annotate(n=Count("id")).order_by()),
        "by_status": dict(qs.values_list("status").annotate(n=Count("id")).order_by()),
        "by_mediator": _grouped(
            qs.filter(mediator__isnull=False), "mediator__display_name", concluded, agreed
        ),
        "by_community": _grouped(qs, "area__name", concluded, agreed),
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _grouped(qs: QuerySet[MediationCase], key: str, concluded: Q, agreed: Q) -> list[dict[str, Any]]:
    rows = (
        qs.values(key)
        .annotate(
            total=Count("id"), concluded=Count("id", filter=concluded), agreed=Count("id", filter=agreed)
        )
        .order_by("-total", key)
    )
    return [
        {
            "name": r[key] or "—",
            "total": r["total"],
            "agreed": r["agreed"],
            "agreement_rate": _rate(r["agreed"], r["concluded"]),
        }
        for r in rows
    ]
