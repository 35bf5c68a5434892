"""Sign-ups: capacity, the waiting list moving up, check-in by the QR code and by the list, reminders."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from lianxin.activities import services
from lianxin.activities.models import ActivityStatus, Event, EventType, HoursEntry, Signup, SignupStatus
from lianxin.activities.selectors import places, roster, waiting_position
from lianxin.audit.models import AuditEntry
from lianxin.core.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    TransitionNotAllowedError,
    ValidationFailedError,
)
from lianxin.notifications.models import Notification
from tests.factories import UserFactory

from .factories import make_activity


@pytest.mark.django_db
def test_capacity_then_waiting_list_then_promotion(district):
    activity = make_activity(organiser=district.grid_worker_a, area=district.grid_a, capacity=2)
    a, b, c, d = (UserFactory() for _ in range(4))
    assert services.signup_create(actor=a, activity=activity).status == SignupStatus.CONFIRMED
    assert services.signup_create(actor=b, activity=activity).status == SignupStatus.CONFIRMED
    sc = services.signup_create(actor=c, activity=activity)
    sd = services.signup_create(actor=d, activity=activity)
    assert (sc.status, sd.status) == (SignupStatus.WAITLISTED, SignupStatus.WAITLISTED)
    assert waiting_position(sd) == 2
    assert places(activity).left == 0
    assert places(activity).waiting == 2
    with pytest.raises(ConflictError):
        services.signup_create(actor=a, activity=activity)
    sa = Signup.objects.get(activity=activity, user=a)
    services.signup_cancel(actor=a, signup=sa)
    sc.refresh_from_db()
    sd.refresh_from_db()
    assert sc.status == SignupStatus.CONFIRMED  # first in line moves up
    assert sd.status == SignupStatus.WAITLISTED
    assert waiting_position(sd) == 1
    assert Event.objects.filter(
        activity=activity, type=EventType.PROMOTED, data__subject_user_id=c.pk
    ).exists()
    # signing up again after cancelling: to the back of the line
    again = services.signup_create(actor=a, activity=activity)
    assert again.status == SignupStatus.WAITLISTED
    assert waiting_position(again) == 2


@pytest.mark.django_db
def test_more_places_move_the_line_and_fewer_refused(district):
    activity = make_activity(organiser=district.grid_worker_a, area=district.grid_a, capacity=1)
    users = [UserFactory() for _ in range(3)]
    for u in users:
        services.signup_create(actor=u, activity=activity)
    with pytest.raises(ValidationFailedError):
        services.activity_change_capacity(actor=district.grid_worker_a, activity=activity, capacity=0)
    services.activity_change_capacity(actor=district.grid_worker_a, activity=activity, capacity=3)
    assert places(activity).confirmed == 3
    with pytest.raises(ValidationFailedError):
        services.activity_change_capacity(actor=district.grid_worker_a, activity=activity, capacity=2)
    with pytest.raises(ForbiddenError):
        services.activity_change_capacity(actor=district.leader_b, activity=activity, capacity=5)


@pytest.mark.django_db
def test_signup_refusals(district):
    draft = make_activity(organiser=district.admin, area=district.grid_a, status=ActivityStatus.DRAFT)
    with pytest.raises(TransitionNotAllowedError):
        services.signup_create(actor=district.resident, activity=draft)
    started = make_activity(
        organiser=district.admin, area=district.grid_a, starts_in=dt.timedelta(minutes=-5)
    )
    with pytest.raises(TransitionNotAllowedError, match="截止"):
        services.signup_create(actor=district.resident, activity=started)
    activity = make_activity(organiser=district.admin, area=district.grid_a)
    mine = services.signup_create(actor=district.resident, activity=activity)
    with pytest.raises(ForbiddenError):  # someone else's sign-up, not an organiser
        services.signup_cancel(actor=district.other_resident, signup=mine)
    services.signup_cancel(actor=district.admin, signup=mine)  # an organiser may
    with pytest.raises(ConflictError):
        services.signup_cancel(actor=district.resident, signup=mine)


@pytest.mark.django_db
def test_create_publish_cancel_notifies(district, django_capture_on_commit_callbacks):
    start = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(ForbiddenError):
        services.activity_create(
            actor=district.resident,
            kind="forum",
            title="座谈会",
            place="居委会",
            area=district.grid_a,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            capacity=20,
        )
    with pytest.raises(ValidationFailedError) as err:
        services.activity_create(
            actor=district.grid_worker_a,
            kind="forum",
            title="座谈会",
            place="居委会",
            area=district.grid_a,
            starts_at=start,
            ends_at=start,
            capacity=20,
        )
    assert err.value.field == "ends_at"
    activity = services.activity_create(
        actor=district.grid_worker_a,
        kind="forum",
        title="座谈会",
        place="居委会",
        area=district.grid_a,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        capacity=20,
    )
    assert activity.status == ActivityStatus.DRAFT
    services.activity_publish(actor=district.grid_worker_a, activity=activity)
    with pytest.raises(TransitionNotAllowedError):
        services.activity_publish(actor=district.grid_worker_a, activity=activity)
    services.signup_create(actor=district.resident, activity=activity)
    with pytest.raises(ValidationFailedError):
        services.activity_cancel(actor=district.grid_worker_a, activity=activity, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_cancel(actor=district.grid_worker_a, activity=activity, reason="天气原因")
    assert Notification.objects.filter(user=district.resident, title__contains="活动已取消").exists()


@pytest.mark.django_db
def test_qr_check_in_out_makes_a_pending_hours_entry(district):
    activity = make_activity(
        organiser=district.grid_worker_a,
        area=district.grid_a,
        starts_in=dt.timedelta(minutes=-30),
        duration=dt.timedelta(hours=2),
    )
    Signup.objects.create(
        activity=activity, user=district.resident, status=SignupStatus.CONFIRMED, created_at=timezone.now()
    )
    with pytest.raises(ValidationFailedError):
        services.signup_self_check_in(actor=district.resident, activity=activity, code="wrong")
    with pytest.raises(NotFoundError):
        services.signup_self_check_in(
            actor=district.other_resident, activity=activity, code=activity.checkin_code
        )
    signup = services.signup_self_check_in(
        actor=district.resident, activity=activity, code=activity.checkin_code
    )
    assert signup.checked_in_at is not None
    with pytest.raises(ConflictError):
        services.signup_self_check_in(actor=district.resident, activity=activity, code=activity.checkin_code)
    with pytest.raises(TransitionNotAllowedError):
        services.signup_cancel(actor=district.resident, signup=signup)
    # they had in fact arrived before the start: the ledger counts from the activity's start only
    Signup.objects.filter(pk=signup.pk).update(checked_in_at=activity.starts_at - dt.timedelta(minutes=20))
    services.signup_self_check_out(actor=district.resident, activity=activity, code=activity.checkin_code)
    entry = HoursEntry.objects.get(user=district.resident, activity=activity)
    assert entry.status == "pending"
    assert entry.started_at == activity.starts_at
    assert entry.minutes == 30


@pytest.mark.django_db
def test_manual_list_and_finish_checks_everyone_out(district):
    activity = make_activity(
        organiser=district.grid_worker_a,
        area=district.grid_a,
        starts_in=dt.timedelta(hours=-3),
        duration=dt.timedelta(hours=2),
    )
    signup = Signup.objects.create(
        activity=activity, user=district.resident, status=SignupStatus.CONFIRMED, created_at=timezone.now()
    )
    with pytest.raises(ForbiddenError):
        services.signup_check_in(actor=district.resident, signup=signup)
    with pytest.raises(TransitionNotAllowedError, match="结束"):  # the activity is over: no check-in any more
        services.signup_check_in(actor=district.grid_worker_a, signup=signup)
    Signup.objects.filter(pk=signup.pk).update(checked_in_at=activity.starts_at + dt.timedelta(minutes=10))
    services.activity_finish(actor=district.grid_worker_a, activity=activity)
    signup.refresh_from_db()
    assert signup.checked_out_at == activity.ends_at
    entry = HoursEntry.objects.get(user=district.resident, activity=activity)
    assert entry.minutes == 110


@pytest.mark.django_db
def test_roster_full_for_organisers_and_the_look_is_audited(district):
    district.resident.display_name, district.resident.phone = "李小明", "13900001111"
    district.resident.save()
    activity = make_activity(organiser=district.grid_worker_a, area=district.grid_a)
    services.signup_create(actor=district.resident, activity=activity)
    rows = roster(district.grid_worker_a, activity)
    assert rows[0].name == "李小明"
    assert rows[0].phone == "13900001111"
    assert AuditEntry.objects.filter(
        action="personal_data_view", object_type="activity", object_id=str(activity.pk)
    ).exists()
    masked = roster(district.supervisor, activity)
    assert masked[0].name == "李**"
    assert masked[0].phone == "139****1111"


@pytest.mark.django_db
def test_reminders_sent_once_the_day_before(district, django_capture_on_commit_callbacks):
    soon = make_activity(organiser=district.admin, area=district.grid_a, starts_in=dt.timedelta(hours=20))
    later = make_activity(organiser=district.admin, area=district.grid_a, starts_in=dt.timedelta(days=3))
    for activity in (soon, later):
        services.signup_create(actor=district.resident, activity=activity)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.signups_send_reminders() == 1
    assert services.signups_send_reminders() == 0
    assert Notification.objects.filter(user=district.resident, title__contains="活动提醒").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_signups_for_the_last_place_exactly_one_wins(district):
    activity = make_activity(organiser=district.admin, area=district.grid_a, capacity=1)
    people = [UserFactory(), UserFactory()]
    barrier = threading.Barrier(2)
    results: list[str] = []

    def sign(user):
        try:
            barrier.wait()
            results.append(services.signup_create(actor=user, activity=activity).status)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=sign, args=(u,)) for u in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]
    assert Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count() == 1


@pytest.mark.django_db
def test_the_periodic_sweep_reminds_and_escalates_once(district):
    from lianxin.activities.models import Wish
    from lianxin.activities.tasks import sweep

    from .factories import make_wish

    soon = make_activity(organiser=district.admin, area=district.grid_a, starts_in=dt.timedelta(hours=3))
    services.signup_create(actor=district.resident, activity=soon)
    wish = make_wish(area=district.grid_a, recorded_by=district.grid_worker_a)
    Wish.objects.filter(pk=wish.pk).update(opened_at=timezone.now() - dt.timedelta(days=30))
    assert sweep() == {"reminders": 1, "wishes_escalated": 1}
    assert sweep() == {"reminders": 0, "wishes_escalated": 0}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_forty_concurrent_signups_for_ten_places(district):
    """Eight threads, five people each, ten places: ten confirmed, thirty waiting in one line."""
    import time

    activity = make_activity(organiser=district.admin, area=district.grid_a, capacity=10)
    people = [UserFactory() for _ in range(40)]
    barrier = threading.Barrier(8)

    def sign(batch):
        try:
            barrier.wait()
            for user in batch:
                services.signup_create(actor=user, activity=activity)
        finally:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=sign, args=(people[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count() == 10
    waiting = list(
        Signup.objects.filter(activity=activity, status=SignupStatus.WAITLISTED).order_by("created_at", "id")
    )
    assert len(waiting) == 30
    assert [waiting_position(s) for s in waiting] == list(range(1, 31))
    # the first ten to get the lock got the places: nobody confirmed signed up after someone waiting
    last_confirmed = (
        Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED)
        .order_by("-created_at")
        .first()
    )
    assert last_confirmed is not None
    assert last_confirmed.created_at <= waiting[0].created_at
    print(f"40 concurrent sign-ups in {elapsed:.2f}s")
