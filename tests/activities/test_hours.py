"""The volunteer hours ledger: arithmetic, overlaps counted once, confirmation and verification."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.activities import hours
from lianxin.activities.models import HoursEntry, HoursStatus, Membership, Organization
from lianxin.audit.models import AuditEntry
from lianxin.core.errors import ForbiddenError, NotFoundError, ValidationFailedError

from .factories import make_activity

T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)


def _t(hours_: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours_)


def test_union_minutes():
    assert hours.union_minutes([]) == 0
    assert hours.union_minutes([(_t(0), _t(2))]) == 120
    assert hours.union_minutes([(_t(0), _t(2)), (_t(1), _t(3))]) == 180  # overlap once
    assert hours.union_minutes([(_t(0), _t(3)), (_t(1), _t(2))]) == 180  # nested
    assert hours.union_minutes([(_t(0), _t(1)), (_t(1), _t(2))]) == 120  # touching
    assert hours.union_minutes([(_t(4), _t(5)), (_t(0), _t(1))]) == 120  # apart, unsorted


def _entry(user, activity, start, end, *, status=HoursStatus.CONFIRMED, org=None):
    return HoursEntry.objects.create(
        user=user,
        activity=activity,
        started_at=start,
        ended_at=end,
        minutes=int((end - start).total_seconds() // 60),
        status=status,
        organization=org,
        verification_code=hours.new_verification_code(),
    )


@pytest.mark.django_db
def test_ledger_counts_overlapping_events_once(district):
    a1 = make_activity(organiser=district.admin, area=district.grid_a)
    a2 = make_activity(organiser=district.admin, area=district.grid_a)
    a3 = make_activity(organiser=district.admin, area=district.grid_a)
    _entry(district.resident, a1, _t(0), _t(2))
    _entry(district.resident, a2, _t(1), _t(3))
    _entry(district.resident, a3, _t(5), _t(6), status=HoursStatus.PENDING)
    ledger = hours.ledger_for(district.resident)
    assert ledger.total_minutes == 180
    assert ledger.total_hours == 3.0
    assert ledger.pending_minutes == 60
    assert len(ledger.entries) == 3


@pytest.mark.django_db
def test_organization_minutes_per_member_union(district):
    org = Organization.objects.create(name="幸福志愿队", kind="volunteer_team")
    a1 = make_activity(organiser=district.admin, area=district.grid_a)
    a2 = make_activity(organiser=district.admin, area=district.grid_a)
    _entry(district.resident, a1, _t(0), _t(2), org=org)
    _entry(district.resident, a2, _t(1), _t(2), org=org)  # inside the first: not counted again
    _entry(district.other_resident, a1, _t(0), _t(1), org=org)  # another person: counted
    Membership.objects.create(organization=org, user=district.resident)
    assert hours.organization_minutes(org) == 180


@pytest.mark.django_db
def test_confirm_refuse_correct_and_verify(district):
    activity = make_activity(
        organiser=district.grid_worker_a, area=district.grid_a, starts_in=dt.timedelta(hours=-3)
    )
    entry = _entry(
        district.resident, activity, activity.starts_at, activity.ends_at, status=HoursStatus.PENDING
    )
    with pytest.raises(NotFoundError):
        hours.entry_for_code(entry.verification_code)  # not confirmed yet
    with pytest.raises(ForbiddenError):
        hours.hours_confirm(actor=district.resident, entry=entry)
    with pytest.raises(ForbiddenError):
        hours.hours_confirm(actor=district.leader_b, entry=entry)
    with pytest.raises(ValidationFailedError) as err:
        hours.hours_confirm(actor=district.grid_worker_a, entry=entry, minutes=121)
    assert err.value.field == "minutes"
    done = hours.hours_confirm(actor=district.grid_worker_a, entry=entry, minutes=90)
    assert done.status == HoursStatus.CONFIRMED
    assert done.minutes == 90
    assert done.ended_at - done.started_at == dt.timedelta(minutes=90)
    assert AuditEntry.objects.filter(object_type="activity", data__event="hours_confirmed").exists()
    assert hours.entry_for_code(done.verification_code.lower()).pk == done.pk
    with pytest.raises(NotFoundError):
        hours.entry_for_code("X" * 40)
    refused = hours.hours_confirm(actor=district.grid_worker_a, entry=entry, approve=False)
    assert refused.status == HoursStatus.REJECTED
    assert hours.ledger_for(district.resident).total_minutes == 0
    assert refused.confirmed_at is not None
    assert timezone.now() > refused.confirmed_at - dt.timedelta(seconds=5)


@pytest.mark.django_db
def test_certificate_pdf_has_the_total_and_codes(district):
    import io

    from django.test import Client
    from pypdf import PdfReader

    district.resident.display_name = "李小明"
    district.resident.save()
    activity = make_activity(organiser=district.admin, area=district.grid_a, title="敬老院服务")
    entry = _entry(district.resident, activity, _t(0), _t(2))
    c = Client()
    assert c.get("/activities/my/certificate.pdf").status_code == 302  # log in first
    c.force_login(district.resident)
    response = c.get("/activities/my/certificate.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "李小明" in text
    assert "2.0" in text
    assert entry.verification_code in text
    assert "敬老院服务" in text


@pytest.mark.django_db
def test_community_figures_per_area_and_period(district):
    from lianxin.activities.figures import community_figures
    from lianxin.activities.models import Signup, WishStatus

    from .factories import make_wish

    here = make_activity(organiser=district.admin, area=district.grid_a, starts_in=dt.timedelta(days=-2))
    make_activity(organiser=district.admin, area=district.grid_b, starts_in=dt.timedelta(days=-2))
    make_activity(
        organiser=district.admin, area=district.grid_a, status="cancelled", starts_in=dt.timedelta(days=-2)
    )
    Signup.objects.create(
        activity=here,
        user=district.resident,
        status="confirmed",
        created_at=timezone.now(),
        checked_in_at=here.starts_at,
    )
    _entry(district.resident, here, here.starts_at, here.starts_at + dt.timedelta(minutes=90))
    make_wish(area=district.grid_a, recorded_by=district.grid_worker_a, status=WishStatus.CLOSED)
    make_wish(area=district.grid_a, recorded_by=district.grid_worker_a)
    start, end = timezone.now() - dt.timedelta(days=7), timezone.now() + dt.timedelta(days=1)
    f = community_figures(area_paths=(district.street_a.path,), start=start, end=end)
    assert (f.activities_held, f.participants, f.volunteers, f.volunteer_hours) == (1, 1, 1, 1.5)
    assert (f.wishes_raised, f.wishes_fulfilled, f.fulfilment_rate) == (2, 1, 0.5)
    assert community_figures(area_paths=None, start=start, end=end).activities_held == 2
    assert community_figures(area_paths=(district.street_b.path,), start=start, end=end).wishes_raised == 0
