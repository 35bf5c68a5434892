"""The durable outbox of intake: work that need not hold the answer, done after the commit and
never lost.

An intake (`creation.appeals_create`, one appeal or a batch) writes one `IntakeFollowUp` row in its
own transaction and queues `tasks.intake_follow_up` on commit. The task sends each appeal's SMS
with its tracking number, writes the units' notices of the appeals dispatched at intake, and
deletes the row, the notices and the deletion in one transaction. If the process dies between the
commit and the task (or the broker loses the message), the row stays; the deadline sweep does it
(`follow_ups_sweep`, rows older than `FOLLOW_UP_GRACE`). Delivery is at least once: a crash after
the SMS and before the row's deletion sends that SMS again, it never drops one.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.notifications.tasks import deliver_notifications
from lianxin.org.models import Unit

from .actions.recipients import _staff_link, _unit_staff_ids
from .models import Appeal, IntakeFollowUp
from .sms import sms_on_submitted_many

logger = logging.getLogger(__name__)

FOLLOW_UP_GRACE = dt.timedelta(minutes=2)  # a queued task normally runs well within this


def follow_up_record(*, appeals: list[Appeal], dispatched: list[tuple[Appeal, int]]) -> IntakeFollowUp:
    """The outbox row of one intake, in its transaction (the caller queues `tasks.intake_follow_up`)."""
    return IntakeFollowUp.objects.create(
        created_at=timezone.now(),
        appeal_ids=[a.pk for a in appeals],
        dispatched=[[a.pk, unit_id] for a, unit_id in dispatched],
    )


def follow_up_run(follow_up_id: int) -> bool:
    """Do one row's work and delete it; False if it is gone (done already) or being done elsewhere."""
    with transaction.atomic():
        row = IntakeFollowUp.objects.select_for_update(skip_locked=True).filter(pk=follow_up_id).first()
        if row is None:
            return False
        sms_on_submitted_many(list(row.appeal_ids))  # each failure is logged, never raised (sms._send)
        _notify_units(row.dispatched)
        row.delete()
    return True


def _notify_units(dispatched: list[list[int]]) -> None:
    if not dispatched:
        return
    appeals = Appeal.objects.in_bulk([appeal_id for appeal_id, _unit in dispatched])
    units = Unit.objects.in_bulk({unit_id for _appeal, unit_id in dispatched})
    staff = {unit_id: sorted(set(_unit_staff_ids(unit))) for unit_id, unit in units.items()}
    rows = [
        [
            staff[unit_id],
            _("新派单：{tracking_number}").format(tracking_number=appeals[appeal_id].tracking_number),
            appeals[appeal_id].title,
            _staff_link(appeals[appeal_id]),
            "dispatched",
        ]
        for appeal_id, unit_id in dispatched
        if appeal_id in appeals and staff.get(unit_id)  # an appeal erased meanwhile: nobody to tell about it
    ]
    if rows:
        deliver_notifications(rows)  # here, in this transaction: the notices commit with the row's deletion


def follow_ups_sweep(now: dt.datetime | None = None) -> int:
    """Do the rows left behind (their process died, or the broker lost the task). Returns how many."""
    cutoff = (now or timezone.now()) - FOLLOW_UP_GRACE
    done = 0
    for pk in (
        IntakeFollowUp.objects.filter(created_at__lt=cutoff).order_by("pk").values_list("pk", flat=True)[:500]
    ):
        done += follow_up_run(pk)
    if done:
        logger.warning("Intake follow-ups recovered by the sweep: %s", done)
    return done
