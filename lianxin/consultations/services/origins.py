"""From appeals to consultations: a draft consultation opened from a proactive proposal (a
recurring problem, a building, a seasonal pattern, a text hotspot) or straight from a supervision
text hotspot, prefilled with its area, category and evidence, and linked both ways (the task lists
the consultations opened from it; the consultation keeps its origin with the related appeals).

The evidence snapshot holds counts and a few sample appeals reduced to date, area, category and a
short excerpt with phones and ID numbers masked — never names, phones, addresses or tracking
numbers — so that it can be shown to anyone who edits the draft.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.appeals.models import OPEN_STATUSES, Appeal
from lianxin.core.errors import ForbiddenError, ValidationFailedError
from lianxin.org.models import Area, Category, Unit, User
from lianxin.proactive.models import ProactiveTask, TaskKind
from lianxin.triage.text import mask_pii

from .. import events
from ..models import Consultation, ConsultationOrigin, OriginKind
from ..policy import may_create, organising_units_q
from .lifecycle import ParagraphInput, consultation_create, paragraphs_set

SAMPLES = 5
EXCERPT = 60
EVIDENCE_APPEALS = 500  # appeals linked to the origin, newest first


def evidence_of(appeals: list[Appeal]) -> dict[str, Any]:
    """Counts by month and status, and sample appeals without personal data."""
    months = Counter(a.submitted_at.strftime("%Y-%m") for a in appeals)
    samples = [
        {
            "date": a.submitted_at.date().isoformat(),
            "area": a.area.name if a.area else "",
            "category": a.category.name if a.category else "",
            "excerpt": mask_pii(a.title or a.text or "")[:EXCERPT],
        }
        for a in appeals[:SAMPLES]
    ]
    return {
        "appeals": len(appeals),
        "open": sum(1 for a in appeals if a.status in OPEN_STATUSES),
        "first": appeals[-1].submitted_at.date().isoformat() if appeals else None,  # newest first
        "last": appeals[0].submitted_at.date().isoformat() if appeals else None,
        "months": sorted(months.items()),
        "samples": samples,
    }


def _unit_for(actor: User, preferred: Sequence[Unit | None]) -> Unit:
    """The first of `preferred` the actor may organise for, else the actor's own first unit."""
    for unit in preferred:
        if unit is not None and may_create(actor, unit):
            return unit
    unit = Unit.objects.filter(organising_units_q(actor), active=True).order_by("pk").first()
    if unit is None:
        raise ForbiddenError(_("只有单位工作人员可以为本单位发起征求意见。"))
    return unit


def _open(
    *,
    actor: User,
    unit: Unit,
    kind: str,
    label: str,
    reason: str,
    area: Area | None,
    category: Category | None,
    appeals: list[Appeal],
    task: ProactiveTask | None,
) -> Consultation:
    evidence = evidence_of(appeals)
    where = area.name if area else _("全区")
    what = category.name if category else label
    consultation = consultation_create(
        actor=actor,
        unit=unit,
        area=area,
        title=_("关于“{title}”的意见征集").format(title=label)[:200],
        summary=_(
            "{where}近期群众反映“{what}”相关诉求 {n} 件（其中尚未办结 {open} 件）。"
            "现就解决办法征求大家的意见。"
        ).format(where=where, what=what, n=evidence["appeals"], open=evidence["open"]),
    )
    paragraphs_set(
        actor=actor,
        consultation=consultation,
        paragraphs=[
            ParagraphInput(heading=_("问题与依据"), text=(reason or label)[:8000]),
            ParagraphInput(
                heading=_("拟采取的措施"), text=_("（请组织单位填写拟采取的措施，供群众发表意见。）")
            ),
        ],
    )
    origin = ConsultationOrigin.objects.create(
        consultation=consultation,
        kind=kind,
        task=task,
        label=label[:200],
        area=area,
        category=category,
        evidence=evidence,
    )
    origin.appeals.set(appeals)
    events.record(
        consultation,
        events.OpenedFrom(
            kind=kind, task_id=task.pk if task else None, label=origin.label, appeals=len(appeals)
        ),
        actor=actor,
    )
    return consultation


@transaction.atomic
def consultation_open_from_task(*, actor: User, task: ProactiveTask) -> Consultation:
    """A draft consultation on the problem `task` found (the caller has checked the actor may see
    the task). Opening a second one from the same task is allowed: a problem may need two."""
    appeals = list(
        task.evidence.select_related("area", "category").order_by("-submitted_at")[:EVIDENCE_APPEALS]
    )
    kind = OriginKind.HOTSPOT if task.kind == TaskKind.HOTSPOT else OriginKind.PROACTIVE
    return _open(
        actor=actor,
        unit=_unit_for(actor, [task.owner_unit]),
        kind=kind,
        label=task.title,
        reason=task.reason,
        area=task.area,
        category=task.category,
        appeals=appeals,
        task=task,
    )


def _common(values: Sequence[Any]) -> Any:
    present = [v for v in values if v is not None]
    return Counter(present).most_common(1)[0][0] if present else None


@transaction.atomic
def consultation_open_from_hotspot(
    *, actor: User, label: str, appeal_ids: Sequence[int], area: Area | None = None
) -> Consultation:
    """A draft consultation on a supervision text hotspot (the caller found `label` and its appeals
    in the hotspots of the actor's own jurisdiction). Its category is the appeals' most common
    one; the organising unit the one they were most often dispatched to, if the actor may
    organise for it."""
    appeals = list(
        Appeal.objects.filter(pk__in=list(appeal_ids)[:EVIDENCE_APPEALS])
        .select_related("area", "category", "unit")
        .order_by("-submitted_at")
    )
    if not appeals:
        raise ValidationFailedError(_("该热点没有可引用的诉求。"), field="label")
    category = _common([a.category for a in appeals])
    units = [u for u, _n in Counter(a.unit for a in appeals if a.unit is not None).most_common()]
    reason = _("相似诉求聚类“{label}”：近期 {n} 件。").format(label=label, n=len(appeals))
    return _open(
        actor=actor,
        unit=_unit_for(actor, units),
        kind=OriginKind.HOTSPOT,
        label=label,
        reason=reason,
        area=area,
        category=category,
        appeals=appeals,
        task=None,
    )
