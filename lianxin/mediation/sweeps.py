"""The deadline sweep: flags running cases whose 30-day deadline is near or past, once each,
with an event on the timeline and a notice to the mediator and the community's overseers."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.actors import Actor
from lianxin.notifications.services import notify_users

from .deadlines import DUE_SOON_DAYS
from .models import RUNNING_STATUSES, EventType, MediationCase
from .recipients import oversight_ids, staff_link
from .services import record_event

BATCH = 500


def sweep_deadlines(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    running = MediationCase.objects.filter(status__in=RUNNING_STATUSES, due_at__isnull=False)
    counts = {"due_soon": 0, "overdue": 0}
    for pk in list(running.filter(overdue=False, due_at__lt=now).values_list("pk", flat=True)[:BATCH]):
        counts["overdue"] += _flag(pk, "overdue", now)
    soon = running.filter(
        due_soon=False, overdue=False, due_at__gte=now, due_at__lt=now + dt.timedelta(days=DUE_SOON_DAYS)
    )
    for pk in list(soon.values_list("pk", flat=True)[:BATCH]):
        counts["due_soon"] += _flag(pk, "due_soon", now)
    return counts


@transaction.atomic
def _flag(pk: int, flag: str, now: dt.datetime) -> int:
    case = MediationCase.objects.select_for_update().select_related("area").filter(pk=pk).first()
    if case is None or case.status not in RUNNING_STATUSES or getattr(case, flag) or case.due_at is None:
        return 0  # changed since the sweep read it
    if flag == "overdue" and case.due_at >= now:
        return 0
    setattr(case, flag, True)
    case.save(update_fields=[flag])
    event = EventType.OVERDUE if flag == "overdue" else EventType.DUE_SOON
    record_event(
        case, event, Actor.automatic(), from_status=case.status, data={"due_at": case.due_at.isoformat()}
    )
    title = (_("调解案件已超期：{number}") if flag == "overdue" else _("调解案件即将超期：{number}")).format(
        number=case.number
    )
    recipients = oversight_ids(case) if flag == "overdue" else []
    if case.mediator_id:
        recipients.append(case.mediator_id)
    notify_users(
        user_ids=recipients, title=title, body=case.title, link=staff_link(case), kind=f"mediation_{flag}"
    )
    return 1
