"""Reading proactive tasks: the lists each person may see, and the before/after counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from lianxin.appeals.models import Appeal, Status
from lianxin.core.crypto import phone_lookup_hash
from lianxin.core.errors import NotFoundError
from lianxin.org.models import User
from lianxin.org.selectors import area_subtree_q

from . import policy
from .models import ProactiveTask, Subscription

WINDOW_DAYS = 30


def tasks_for(user: User, *, proposals: bool = False) -> QuerySet[ProactiveTask]:
    return ProactiveTask.objects.filter(policy.tasks_visible_q(user, proposals=proposals)).select_related(
        "category", "area", "owner_unit", "owner_grid"
    )


def task_for(user: User, pk: int) -> ProactiveTask:
    """The task if this user may see it; absent and not-yours are the same 404."""
    task = (
        ProactiveTask.objects.select_related("category", "area", "owner_unit", "owner_grid")
        .filter(pk=pk)
        .first()
    )
    if task is None or not policy.can(user, task, policy.Action.VIEW):
        raise NotFoundError(_not_found())
    return task


def _not_found() -> str:
    from django.utils.translation import gettext as _

    return _("没有这个主动治理任务。")


@dataclass(frozen=True)
class BeforeAfter:
    before: int  # matching appeals in the WINDOW_DAYS before the task was accepted (or proposed)
    after: int  # ... since then, up to WINDOW_DAYS
    after_days: int  # how many days "after" covers so far

    @property
    def change(self) -> float | None:
        if not self.before or self.after_days < WINDOW_DAYS:
            return None
        return (self.after - self.before) / self.before


def matching_appeals(task: ProactiveTask) -> QuerySet[Appeal]:
    """Appeals of the task's kind: its category (and those below it) in its area (and below)."""
    qs = Appeal.objects.exclude(status__in=(Status.MERGED, Status.WITHDRAWN))
    if task.category_id and task.category:
        qs = qs.filter(area_subtree_q([task.category.path], "category__path"))
    if task.area_id and task.area:
        qs = qs.filter(area_subtree_q([task.area.path]))
    return qs


def before_after(task: ProactiveTask, *, now: dt.datetime | None = None) -> BeforeAfter:
    now = now or timezone.now()
    ref = task.accepted_at or task.proposed_at
    window = dt.timedelta(days=WINDOW_DAYS)
    end = min(now, ref + window)
    qs = matching_appeals(task)
    before = qs.filter(submitted_at__gte=ref - window, submitted_at__lt=ref).count()
    after = qs.filter(submitted_at__gte=ref, submitted_at__lt=end).count() if end > ref else 0
    return BeforeAfter(before, after, max(0, (end - ref).days))


def evidence_of(task: ProactiveTask) -> QuerySet[Appeal]:
    return task.evidence.select_related("category", "area").order_by("-submitted_at")[:50]


def subscriptions_of(user: User) -> QuerySet[Subscription]:
    return Subscription.objects.filter(user=user).select_related("area", "category").order_by("-created_at")


def subscriptions_of_phone(phone: str) -> QuerySet[Subscription]:
    """A verified phone's subscriptions (the caller holds the proof: core.phoneverify.verified_phone)."""
    return (
        Subscription.objects.filter(phone_hash=phone_lookup_hash(phone))
        .select_related("area", "category")
        .order_by("-created_at")
    )
