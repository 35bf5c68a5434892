"""Drill-down: the events and appeals behind a figure, and the open-appeal lists."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.appeals.models import Appeal, AppealEvent, EventType, Status
from lianxin.core.errors import ValidationFailed

from ..models import FollowUp
from .periods import EVERYTHING, Period, Slice

# figure → (event types, extra filter on the event)
DRILLDOWN: dict[str, tuple[tuple[str, ...], Q]] = {
    "received": ((EventType.SUBMITTED,), Q()),
    "assigned": ((EventType.DISPATCHED, EventType.REDISPATCHED), Q()),
    "accepted": ((EventType.ACCEPTED,), Q()),
    "accepted_late": ((EventType.ACCEPTED,), Q(data__late=True)),
    "accept_overdue": ((EventType.ACCEPT_OVERDUE,), Q()),
    "returned": ((EventType.RETURNED,), Q()),
    "extended": ((EventType.EXTENSION_APPROVED,), Q()),
    "overdue": ((EventType.OVERDUE,), Q()),
    "replied": ((EventType.REPLIED,), Q()),
    "replied_late": ((EventType.REPLIED,), Q(data__late=True)),
    "rated": ((EventType.RATED,), Q()),
    "satisfied": ((EventType.RATED,), Q(data__satisfaction__in=["satisfied", "basic"])),
    "dissatisfied": ((EventType.RATED,), Q(data__satisfaction="dissatisfied")),
    "unsolved": ((EventType.RATED,), Q(data__solved=False)),
    "closed": ((EventType.RATED, EventType.CLOSED, EventType.ANSWERED_DIRECTLY), Q()),
    "reopened": ((EventType.REOPENED,), Q()),
    "merged": ((EventType.MERGED,), Q()),
    "withdrawn": ((EventType.WITHDRAWN,), Q()),
    "contacted": ((EventType.RESIDENT_CONTACTED,), Q()),
    "returned_unjustified": ((EventType.RETURN_JUDGED,), Q(data__justified=False)),
    "auto_closed": ((EventType.CLOSED,), Q()),
    "chased": ((EventType.CHASED,), Q()),
}
FIGURE_LABELS = {  # lazy: shown in the reader's language
    "received": gettext_lazy("受理量"),
    "assigned": gettext_lazy("派单量"),
    "accepted": gettext_lazy("签收件"),
    "accepted_late": gettext_lazy("超时签收件"),
    "accept_overdue": gettext_lazy("签收超时件"),
    "returned": gettext_lazy("退单件"),
    "extended": gettext_lazy("延期件"),
    "overdue": gettext_lazy("超期件"),
    "replied": gettext_lazy("答复件"),
    "replied_late": gettext_lazy("超期答复件"),
    "rated": gettext_lazy("已评价件"),
    "satisfied": gettext_lazy("满意件"),
    "dissatisfied": gettext_lazy("不满意件"),
    "unsolved": gettext_lazy("未解决件"),
    "closed": gettext_lazy("办结件"),
    "reopened": gettext_lazy("重办件"),
    "merged": gettext_lazy("并案件"),
    "withdrawn": gettext_lazy("撤回件"),
    "contacted": gettext_lazy("已联系群众件"),
    "returned_unjustified": gettext_lazy("退单理由不成立件"),
    "auto_closed": gettext_lazy("逾期未评价自动办结件"),
    "chased": gettext_lazy("被催办件"),
    "false_closures": gettext_lazy("虚假办结件"),
}


def events_behind(figure: str, period: Period, slc: Slice = EVERYTHING) -> QuerySet[AppealEvent]:
    if figure not in DRILLDOWN:
        raise ValidationFailed(
            _("未知指标“{figure}”，可选：{choices}。").format(figure=figure, choices="、".join(DRILLDOWN)),
            field="figure",
        )
    types, extra = DRILLDOWN[figure]
    start, end = period.bounds()
    qs = AppealEvent.objects.filter(type__in=types, at__gte=start, at__lt=end).filter(extra)
    if slc.unit_ids is not None:
        if figure == "received":
            qs = qs.none()
        else:
            qs = qs.filter(Q(unit_id__in=slc.unit_ids) | Q(unit__isnull=True, appeal__unit_id__in=slc.unit_ids))
    if slc.area_ids is not None:
        qs = qs.filter(appeal__area_id__in=slc.area_ids)
    if slc.category_ids is not None:
        qs = qs.filter(appeal__category_id__in=slc.category_ids)
    return qs


def appeals_behind(figure: str, period: Period, slc: Slice = EVERYTHING) -> QuerySet[Appeal]:
    """The appeals behind one figure of one slice and period (for drill-down pages and reports)."""
    if figure == "false_closures":
        start, end = period.bounds()
        fq = FollowUp.objects.filter(false_closure=True, done_at__gte=start, done_at__lt=end)
        if slc.unit_ids is not None:
            fq = fq.filter(unit_id__in=slc.unit_ids)
        return Appeal.objects.filter(pk__in=fq.values("appeal_id")).filter(
            slc.appeal_q() if slc.unit_ids is None else Slice(None, slc.area_ids, slc.category_ids).appeal_q()
        )
    return Appeal.objects.filter(pk__in=events_behind(figure, period, slc).values("appeal_id"))


# --- live lists ---------------------------------------------------------------------------------------


# What the supervision pages' appeal lists show (`_appeal_table.html`): loading only these halves
# the cost of a 50-row list (no appeal text, no area boundary).
APPEAL_LIST_FIELDS = (
    "pk", "tracking_number", "title", "status", "resolve_due_at", "submitted_at",
    "unit__name", "area__name", "category__name",
)


def overdue_appeals(slc: Slice = EVERYTHING) -> QuerySet[Appeal]:
    """Appeals being handled past their deadline, most overdue first (read through the partial
    index `supervision_open_due_idx`)."""
    return (
        Appeal.objects.filter(status__in=(Status.DISPATCHED, Status.ACCEPTED), overdue=True)
        .filter(slc.appeal_q())
        .select_related("unit", "area", "category")
        .only(*APPEAL_LIST_FIELDS)
        .order_by("resolve_due_at")
    )


def due_soon_appeals(slc: Slice = EVERYTHING, *, hours: int = 24, now: dt.datetime | None = None) -> QuerySet[Appeal]:
    now = now or dt.datetime.now(dt.UTC)
    return (
        Appeal.objects.filter(
            status__in=(Status.DISPATCHED, Status.ACCEPTED),
            overdue=False,
            resolve_due_at__gte=now,
            resolve_due_at__lt=now + dt.timedelta(hours=hours),
        )
        .filter(slc.appeal_q())
        .select_related("unit", "area", "category")
        .only(*APPEAL_LIST_FIELDS)
        .order_by("resolve_due_at")
    )


