"""Drill-down: the events and appeals behind a figure, and the open-appeal lists."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.appeals import events as ev
from lianxin.appeals.models import Appeal, AppealEvent, Satisfaction, Status
from lianxin.core.errors import ValidationFailedError
from lianxin.core.payloads import Payload

from ..models import FollowUp
from .periods import EVERYTHING, Period, Slice


@dataclass(frozen=True)
class EventFigure:
    """The events behind one figure: their payload classes (the event types) and a filter on the
    payload's fields (`{"late": True}`, `{"satisfaction__in": [...]}`). Each field named is
    checked against every class when the table is built, so a renamed payload field fails at
    import instead of silently matching nothing (the JSON keys are the fields' names, ADR 0008)."""

    payloads: tuple[type[Payload], ...]
    where: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for lookup in self.where:
            name = lookup.split("__", 1)[0]
            for cls in self.payloads:
                if name not in {f.name for f in dataclasses.fields(cls)}:
                    raise TypeError(f"{cls.__name__} has no field {name!r} (drill-down filter {lookup!r})")

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(cls.TYPE for cls in self.payloads)

    def q(self) -> Q:
        return Q(type__in=self.types, **{f"data__{lookup}": value for lookup, value in self.where.items()})


DRILLDOWN: dict[str, EventFigure] = {
    "received": EventFigure((ev.Submitted,)),
    "assigned": EventFigure((ev.Dispatched, ev.Redispatched)),
    "accepted": EventFigure((ev.Accepted,)),
    "accepted_late": EventFigure((ev.Accepted,), {"late": True}),
    "accept_overdue": EventFigure((ev.AcceptOverdue,)),
    "returned": EventFigure((ev.Returned,)),
    "extended": EventFigure((ev.ExtensionApproved,)),
    "overdue": EventFigure((ev.Overdue,)),
    "replied": EventFigure((ev.Replied,)),
    "replied_late": EventFigure((ev.Replied,), {"late": True}),
    "rated": EventFigure((ev.Rated,)),
    "satisfied": EventFigure((ev.Rated,), {"satisfaction__in": [Satisfaction.SATISFIED, Satisfaction.BASIC]}),
    "dissatisfied": EventFigure((ev.Rated,), {"satisfaction": Satisfaction.DISSATISFIED}),
    "unsolved": EventFigure((ev.Rated,), {"solved": False}),
    "closed": EventFigure((ev.Rated, ev.Closed, ev.AnsweredDirectly)),
    "reopened": EventFigure((ev.Reopened,)),
    "merged": EventFigure((ev.Merged,)),
    "withdrawn": EventFigure((ev.Withdrawn,)),
    "contacted": EventFigure((ev.ResidentContacted,)),
    "returned_unjustified": EventFigure((ev.ReturnJudged,), {"justified": False}),
    "auto_closed": EventFigure((ev.Closed,)),
    "chased": EventFigure((ev.Chased,)),
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
        raise ValidationFailedError(
            _("未知指标“{figure}”，可选：{choices}。").format(figure=figure, choices="、".join(DRILLDOWN)),
            field="figure",
        )
    start, end = period.bounds()
    qs = AppealEvent.objects.filter(DRILLDOWN[figure].q(), at__gte=start, at__lt=end)
    if slc.unit_ids is not None:
        if figure == "received":
            qs = qs.none()
        else:
            qs = qs.filter(
                Q(unit_id__in=slc.unit_ids) | Q(unit__isnull=True, appeal__unit_id__in=slc.unit_ids)
            )
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
    "pk",
    "tracking_number",
    "title",
    "status",
    "resolve_due_at",
    "submitted_at",
    "unit__name",
    "area__name",
    "category__name",
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


def due_soon_appeals(
    slc: Slice = EVERYTHING, *, hours: int = 24, now: dt.datetime | None = None
) -> QuerySet[Appeal]:
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
