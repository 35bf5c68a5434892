"""Forums and hearings: waiting list, cancel moves the next up, the public lottery, check-in, minutes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.consultations import selectors, services
from lianxin.consultations.models import RegistrationStatus, Status
from lianxin.consultations.services.hearings import lottery_order
from lianxin.core.errors import (
    ConflictError,
    ForbiddenError,
    TransitionNotAllowedError,
    ValidationFailedError,
)
from tests.factories import UserFactory

from .factories import consultation


@pytest.fixture
def c(people):
    return consultation(organiser=people.organiser, unit=people.d.unit_city)


def _meeting(people, c, kind, capacity=2):
    return services.hearing_create(
        actor=people.organiser,
        consultation=c,
        kind=kind,
        title="停车收费座谈会",
        starts_at=timezone.now() + dt.timedelta(days=3),
        place="社区活动中心",
        capacity=capacity,
        agenda="介绍草案；居民发言",
    )


def test_only_the_organiser_creates(people, c):
    with pytest.raises(ForbiddenError):
        services.hearing_create(
            actor=people.resident,
            consultation=c,
            kind="forum",
            title="t",
            starts_at=timezone.now(),
            place="p",
            capacity=1,
        )
    with pytest.raises(ValidationFailedError):
        services.hearing_create(
            actor=people.organiser,
            consultation=c,
            kind="party",
            title="t",
            starts_at=timezone.now(),
            place="p",
            capacity=1,
        )


def test_forum_waiting_list(people, c):
    forum = _meeting(people, c, "forum", capacity=2)
    a = services.hearing_register(actor=people.resident, consultation=c, hearing_id=forum.pk)
    b = services.hearing_register(actor=people.other_resident, consultation=c, hearing_id=forum.pk)
    w = services.hearing_register(actor=people.third, consultation=c, hearing_id=forum.pk)
    assert [a.status, b.status, w.status] == ["registered", "registered", "waiting"]
    with pytest.raises(ConflictError):
        services.hearing_register(actor=people.resident, consultation=c, hearing_id=forum.pk)
    services.hearing_cancel(actor=people.resident, consultation=c, hearing_id=forum.pk)
    w.refresh_from_db()
    assert w.status == RegistrationStatus.REGISTERED
    services.hearing_check_in(
        actor=people.organiser, consultation=c, hearing_id=forum.pk, registration_id=w.pk
    )
    w.refresh_from_db()
    assert w.checked_in_at is not None


def test_hearing_lottery_is_public_and_once(people, c):
    hearing = _meeting(people, c, "hearing", capacity=2)
    users = [UserFactory(username=f"applicant{i}") for i in range(5)]
    for u in users:
        services.hearing_register(actor=u, consultation=c, hearing_id=hearing.pk)
    chosen = services.hearing_select(actor=people.organiser, consultation=c, hearing_id=hearing.pk)
    ids = list(hearing.registrations.values_list("participant_id", flat=True))
    assert [r.participant_id for r in chosen] == lottery_order(hearing.pk, ids)[:2]
    assert hearing.registrations.filter(status="selected").count() == 2
    assert hearing.registrations.filter(status="not_selected").count() == 3
    with pytest.raises(TransitionNotAllowedError):
        services.hearing_select(actor=people.organiser, consultation=c, hearing_id=hearing.pk)
    with pytest.raises(TransitionNotAllowedError, match="截止"):
        services.hearing_register(actor=people.resident, consultation=c, hearing_id=hearing.pk)


def test_minutes_enter_opinions(people, c):
    forum = _meeting(people, c, "forum")
    made = services.hearing_minutes(
        actor=people.organiser,
        consultation=c,
        hearing_id=forum.pk,
        minutes="到会 20 人，主要讨论收费标准。",
        opinions=["多位居民认为五元偏高", "建议公开收支"],
    )
    assert len(made) == 2
    threads = selectors.comment_threads(c)
    assert [t.author for t in threads] == ["座谈会：停车收费座谈会"] * 2
    services.consultation_close(actor=people.organiser, consultation=c)
    c.refresh_from_db()
    services.feedback_give(
        actor=people.organiser,
        consultation=c,
        kind="comment",
        object_id=made[0].pk,
        decision="adopted",
        reason="下调至三元",
    )
    assert c.status == Status.CLOSED


def test_hearing_pages(people, c):
    from django.test import Client

    staff = Client()
    staff.force_login(people.organiser)
    r = staff.post(
        f"/consultations/staff/{c.slug}/hearings/",
        {
            "step": "create",
            "kind": "forum",
            "title": "停车座谈会",
            "starts_at": "2036-01-01T14:30",
            "place": "活动中心",
            "capacity": "1",
            "agenda": "发言",
        },
    )
    assert r.status_code == 302
    forum = c.hearings.get()
    resident = Client()
    resident.force_login(people.resident)
    assert "报名参加" in resident.get(f"/consultations/{c.slug}/").content.decode()
    resident.post(f"/consultations/{c.slug}/hearings/{forum.pk}/register/")
    assert "已报名" in resident.get(f"/consultations/{c.slug}/").content.decode()
    page = staff.get(f"/consultations/staff/{c.slug}/hearings/").content.decode()
    assert "签到" in page
    assert people.resident.username not in page
    staff.post(
        f"/consultations/staff/{c.slug}/hearings/",
        {"step": "minutes", "hearing": forum.pk, "minutes": "纪要", "opinions": "意见一\n意见二"},
    )
    assert c.comments.count() == 2
    assert resident.get(f"/consultations/staff/{c.slug}/hearings/").status_code == 403
