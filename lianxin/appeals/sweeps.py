"""The deadline sweep: due soon, overdue, acceptance overdue, and closing unrated replies."""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.org.models import Unit

from .actions.base import _locked, record_event
from .actions.callbacks import appeal_callback_queue
from .actions.recipients import _notify_unit
from .actions.transitions import appeal_close_unrated
from .actors import Actor
from .events import AcceptOverdue, DeadlineFlag, DueSoon, Overdue
from .followups import follow_ups_sweep
from .models import Appeal, AppealEvent, EventType, Status

logger = logging.getLogger(__name__)
BATCH = 500


LAST_SWEEP_KEY = "lianxin:deadline-sweep:last"


def _flag(appeal_id: int, field: str, flag: type[DeadlineFlag], title: str, now: dt.datetime) -> bool:
    """Set one flag on one appeal, with its event, unless another sweep got there first."""
    with transaction.atomic():
        appeal = _locked(appeal_id)
        if getattr(appeal, field) or appeal.status not in (Status.DISPATCHED, Status.ACCEPTED):
            return False
        setattr(appeal, field, True)
        appeal.save(update_fields=[field, "updated_at"])
        record_event(
            appeal,
            flag(resolve_due_at=appeal.resolve_due_at),
            Actor.automatic(_("时限监控")),
            from_status=appeal.status,
            to_status=appeal.status,
            unit=appeal.unit,
            public=False,
        )
        unit: Unit | None = appeal.unit
        _notify_unit(appeal, unit, f"{title}：{appeal.tracking_number}", flag.TYPE)
    return True


def sweep_deadlines(now: dt.datetime | None = None) -> dict[str, int]:
    """Find what is due soon or overdue and flag it; close replies left unrated too long."""
    now = now or timezone.now()
    options = settings.LIANXIN
    counts = {"accept_overdue": 0, "due_soon": 0, "overdue": 0, "auto_closed": 0}
    active = Appeal.objects.filter(status__in=[Status.DISPATCHED, Status.ACCEPTED])
    for pk in active.filter(
        status=Status.DISPATCHED, accept_overdue=False, accept_due_at__lt=now
    ).values_list("pk", flat=True)[:BATCH]:
        counts["accept_overdue"] += _flag(pk, "accept_overdue", AcceptOverdue, _("签收超时"), now)
    for pk in active.filter(overdue=False, resolve_due_at__lt=now).values_list("pk", flat=True)[:BATCH]:
        counts["overdue"] += _flag(pk, "overdue", Overdue, _("已超期"), now)
    soon = now + dt.timedelta(hours=options["DUE_SOON_HOURS"])
    for pk in active.filter(
        due_soon=False, overdue=False, resolve_due_at__gte=now, resolve_due_at__lt=soon
    ).values_list("pk", flat=True)[:BATCH]:
        counts["due_soon"] += _flag(pk, "due_soon", DueSoon, _("即将超期"), now)
    # Unrated replies go on the call-back queue (回访) first; only a queued one is auto-closed.
    queued = Exists(
        AppealEvent.objects.filter(
            appeal=OuterRef("pk"), type=EventType.CALLBACK_QUEUED, at__gte=OuterRef("replied_at")
        )
    )
    replied = Appeal.objects.filter(status=Status.REPLIED)
    counts["callback_queued"] = 0
    due_callback = now - dt.timedelta(days=options.get("CALLBACK_QUEUE_DAYS", 3))
    for pk in replied.filter(~queued, replied_at__lt=due_callback).values_list("pk", flat=True)[:BATCH]:
        appeal_callback_queue(appeal=pk, actor=Actor.automatic(_("系统")))
        counts["callback_queued"] += 1
    stale = now - dt.timedelta(days=options["AUTO_CLOSE_DAYS"])
    for pk in replied.filter(queued, replied_at__lt=stale).values_list("pk", flat=True)[:BATCH]:
        appeal_close_unrated(appeal=pk, actor=Actor.automatic(_("系统")))
        counts["auto_closed"] += 1
    counts["intake_follow_ups"] = follow_ups_sweep(
        now
    )  # an intake's SMS and notices its process did not send
    if any(counts.values()):
        logger.info("Deadline sweep: %s", counts)
    cache.set(LAST_SWEEP_KEY, time.time(), timeout=None)  # read by /metrics as the sweep's lag
    return counts
