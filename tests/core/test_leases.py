"""Periodic jobs take a lease in the database: a copy queued by a second beat skips; a lease whose
holder died expires; overlapping sweeps (even without the lease) never flag a deadline twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from lianxin.appeals import tasks as appeal_tasks
from lianxin.appeals.models import Appeal, AppealEvent, EventType
from lianxin.appeals.sweeps import sweep_deadlines
from lianxin.core import leases
from lianxin.core.models import JobLease
from lianxin.supervision import tasks as supervision_tasks
from tests.appeals.helpers import accepted

TTL = dt.timedelta(minutes=5)


@pytest.mark.django_db
def test_one_holder_at_a_time_then_free_again():
    first = leases.acquire("job", ttl=TTL)
    assert first
    assert leases.acquire("job", ttl=TTL) is None
    leases.release("job", first)
    second = leases.acquire("job", ttl=TTL)
    assert second
    assert second != first
    assert JobLease.objects.get(name="job").runs == 2


@pytest.mark.django_db
def test_a_dead_holders_lease_expires_and_its_late_release_frees_nothing():
    dead = leases.acquire("job", ttl=TTL)
    assert dead
    JobLease.objects.filter(name="job").update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    alive = leases.acquire("job", ttl=TTL)
    assert alive
    leases.release("job", dead)  # the old holder wakes up: the new holder keeps its lease
    assert leases.acquire("job", ttl=TTL) is None


@pytest.mark.django_db
def test_the_sweep_task_skips_while_another_worker_holds_the_lease(district, settings):
    appeal = accepted(district, settings=settings)
    Appeal.objects.filter(pk=appeal.pk).update(resolve_due_at=timezone.now() - dt.timedelta(hours=1))
    holder = leases.acquire(appeal_tasks.SWEEP_LEASE, ttl=TTL)
    assert holder
    assert appeal_tasks.sweep_deadlines() == {"skipped": 1}
    assert not Appeal.objects.get(pk=appeal.pk).overdue
    leases.release(appeal_tasks.SWEEP_LEASE, holder)
    assert appeal_tasks.sweep_deadlines()["overdue"] == 1
    assert Appeal.objects.get(pk=appeal.pk).overdue


@pytest.mark.django_db
def test_the_supervision_refresh_skips_while_another_worker_holds_the_lease():
    holder = leases.acquire(supervision_tasks.REFRESH_LEASE, ttl=TTL)
    assert holder
    assert supervision_tasks.periodic_refresh() == {"skipped": 1}
    leases.release(supervision_tasks.REFRESH_LEASE, holder)
    assert "events" in supervision_tasks.periodic_refresh()


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_flag_each_deadline_once(district, settings):
    """Below the lease: two sweeps at the same moment (a lease that expired mid-run) still flag
    each overdue appeal once — the flag is set under the appeal's row lock."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them anyway)")
    appeals = [accepted(district, settings=settings) for _ in range(6)]
    Appeal.objects.filter(pk__in=[a.pk for a in appeals]).update(
        resolve_due_at=timezone.now() - dt.timedelta(hours=1)
    )
    barrier = threading.Barrier(3)
    results: list[dict[str, int]] = []

    def sweep() -> None:
        barrier.wait()
        try:
            results.append(sweep_deadlines())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(r["overdue"] for r in results) == 6
    assert AppealEvent.objects.filter(type=EventType.OVERDUE).count() == 6
