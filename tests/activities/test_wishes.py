"""The small-wish lifecycle, its privacy, escalation and matching."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.activities import orgs, wishes
from lianxin.activities.models import Event, EventType, Membership, Wish, WishStatus
from lianxin.activities.selectors import (
    organization_participation,
    wish_suggestions,
    wish_view,
    wishes_public,
)
from lianxin.audit.models import AuditEntry
from lianxin.core.errors import (
    ConflictError,
    ForbiddenError,
    TransitionNotAllowedError,
    ValidationFailedError,
)
from lianxin.notifications.models import Notification
from tests.factories import UserFactory

from .factories import make_wish, street_handler

pytestmark = pytest.mark.django_db


def test_recorded_wish_full_lifecycle(district, django_capture_on_commit_callbacks):
    volunteer = UserFactory(username="vol", display_name="赵志愿")
    with pytest.raises(ForbiddenError):
        wishes.wish_record(
            actor=district.resident,
            title="冬衣",
            public_text="老人需要冬衣",
            area=district.grid_a,
            beneficiary_name="王秀英",
        )
    wish = wishes.wish_record(
        actor=district.grid_worker_a,
        title="一件冬衣",
        public_text="独居老人需要一件冬衣",
        detail="3栋2单元",
        area=district.grid_a,
        beneficiary_name="王秀英",
        beneficiary_phone="13700001234",
        category="衣物",
    )
    assert wish.status == WishStatus.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        wishes.wish_claim(actor=volunteer, wish=wish)
    assert Notification.objects.filter(user=district.grid_worker_a, title__contains="已被认领").exists()
    with pytest.raises(TransitionNotAllowedError):
        wishes.wish_claim(actor=district.other_resident, wish=wish)
    with pytest.raises(ForbiddenError):
        wishes.wish_deliver(actor=district.other_resident, wish=wish)
    wishes.wish_deliver(actor=volunteer, wish=wish, note="已送到家")
    with pytest.raises(ForbiddenError):
        wishes.wish_confirm(actor=volunteer, wish=wish)  # the giver does not confirm their own delivery
    closed = wishes.wish_confirm(actor=district.grid_worker_a, wish=wish, thanks="谢谢小赵！")
    assert closed.status == WishStatus.CLOSED
    assert closed.thanks == "谢谢小赵！"
    types = list(Event.objects.filter(wish=wish).values_list("type", flat=True))
    assert types == [
        EventType.WISH_OPENED,
        EventType.WISH_CLAIMED,
        EventType.WISH_DELIVERED,
        EventType.WISH_CLOSED,
    ]
    assert AuditEntry.objects.filter(object_type="wish", object_id=str(wish.pk)).count() == 4


def test_resident_raises_cadre_reviews_and_release(district):
    wish = wishes.wish_raise(
        actor=district.resident, title="去医院复查", detail="下周二上午需要有人陪同", area=district.grid_a
    )
    assert wish.status == WishStatus.REVIEW
    assert wish.beneficiary == district.resident
    assert not wishes_public().filter(pk=wish.pk).exists()
    with pytest.raises(ForbiddenError):
        wishes.wish_open(actor=district.other_resident, wish=wish, public_text="老人需要陪诊")
    with pytest.raises(ValidationFailedError):
        wishes.wish_open(actor=district.grid_worker_a, wish=wish, public_text="")
    wishes.wish_open(actor=district.grid_worker_a, wish=wish, public_text="一位老人需要陪诊")
    assert wishes_public().filter(pk=wish.pk).exists()
    with pytest.raises(ForbiddenError, match="自己"):
        wishes.wish_claim(actor=district.resident, wish=wish)
    claimer = UserFactory()
    wishes.wish_claim(actor=claimer, wish=wish)
    with pytest.raises(ForbiddenError):  # the beneficiary cannot cancel once claimed
        wishes.wish_cancel(actor=district.resident, wish=wish, reason="不需要了")
    released = wishes.wish_release(actor=claimer, wish=wish, reason="临时有事")
    assert released.status == WishStatus.OPEN
    assert released.claimed_by is None
    wishes.wish_cancel(actor=district.resident, wish=wish, reason="家人陪同")
    wish.refresh_from_db()
    assert wish.status == WishStatus.CANCELLED


def test_claim_for_an_organization_needs_membership(district):
    org = orgs.organization_register(
        actor=street_handler(district),
        name="爱心服务社",
        kind="social_org",
        areas=[district.street_a],
        categories=["衣物", "陪诊"],
    )
    wish = make_wish(area=district.grid_a, recorded_by=district.grid_worker_a)
    volunteer = UserFactory()
    with pytest.raises(ForbiddenError):
        wishes.wish_claim(actor=volunteer, wish=wish, organization=org)
    Membership.objects.create(organization=org, user=volunteer)
    wishes.wish_claim(actor=volunteer, wish=wish, organization=org)
    wishes.wish_deliver(actor=volunteer, wish=wish)
    wishes.wish_confirm(actor=district.grid_worker_a, wish=wish)
    assert organization_participation(org).wishes_fulfilled == 1
    assert organization_participation(org).volunteers == 1


def test_public_view_of_an_anonymous_wish_names_nobody(district):
    wish = make_wish(area=district.grid_a, recorded_by=district.grid_worker_a, anonymous=True)
    public = wish_view(None, wish)
    assert (public.beneficiary, public.phone, public.detail) == ("", "", "")
    cadre = wish_view(district.grid_worker_a, wish)
    assert cadre.beneficiary == "王秀英"
    assert cadre.phone == "13700001234"
    assert AuditEntry.objects.filter(action="personal_data_view", object_type="wish").count() == 1
    named = make_wish(area=district.grid_a, recorded_by=district.grid_worker_a, anonymous=False)
    assert wish_view(district.resident, named).beneficiary == "王**"
    assert wish_view(district.resident, named).phone == ""
    claimer = UserFactory()
    named.claimed_by, named.status = claimer, WishStatus.CLAIMED
    seen = wish_view(claimer, named)
    assert seen.detail == "住在3栋2单元，腿脚不便"
    assert seen.phone == ""


def test_unclaimed_wishes_escalate_once(district, django_capture_on_commit_callbacks):
    handler = street_handler(district)
    old = make_wish(area=district.grid_a, recorded_by=district.grid_worker_a)
    Wish.objects.filter(pk=old.pk).update(opened_at=timezone.now() - dt.timedelta(days=8))
    make_wish(area=district.grid_a, recorded_by=district.grid_worker_a)  # fresh
    with django_capture_on_commit_callbacks(execute=True):
        assert wishes.wishes_escalate(days=7) == 1
    assert wishes.wishes_escalate(days=7) == 0
    assert Notification.objects.filter(user=handler, title__contains="无人认领").exists()
    assert Notification.objects.filter(user=district.grid_worker_a, title__contains="无人认领").exists()
    assert not Notification.objects.filter(user=district.leader_b, title__contains="无人认领").exists()
    with pytest.raises(ValidationFailedError):
        wishes.wishes_escalate(days=0)


def test_suggestions_rank_skills_area_and_history(district):
    wish = make_wish(area=district.grid_a, recorded_by=district.grid_worker_a, title="陪同去医院")
    near = UserFactory(display_name="近邻")
    far = UserFactory(display_name="远方")
    orgs.volunteer_profile_save(actor=near, skills=["陪同", "维修"], areas=[district.community_a])
    orgs.volunteer_profile_save(actor=far, skills=["维修"], areas=[district.street_b])
    result = wish_suggestions(wish)
    assert [s.name for s in result if s.kind == "volunteer"] == ["近邻"]
    assert result[0].score == 4.0


def test_organization_registration_rules(district):
    with pytest.raises(ForbiddenError):
        orgs.organization_register(
            actor=district.resident, name="X", kind="social_org", areas=[district.grid_a]
        )
    with pytest.raises(ValidationFailedError):
        orgs.organization_register(actor=district.admin, name="X", kind="bogus", areas=[district.grid_a])
    with pytest.raises(ValidationFailedError):
        orgs.organization_register(
            actor=district.admin,
            name="X",
            kind="social_org",
            areas=[],
        )
    orgs.organization_register(
        actor=district.admin, name="同心社", kind="social_org", areas=[district.grid_a]
    )
    with pytest.raises(ConflictError):
        orgs.organization_register(
            actor=district.admin, name="同心社", kind="provider", areas=[district.grid_a]
        )
    with pytest.raises(ValidationFailedError):
        orgs.volunteer_profile_save(actor=district.resident, skills=["x" * 21], areas=[])


@pytest.mark.django_db(transaction=True)
def test_two_volunteers_claim_the_same_wish_one_wins(district):
    import threading

    from django.db import close_old_connections, connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    wish = make_wish(area=district.grid_a, recorded_by=district.grid_worker_a)
    people = [UserFactory(), UserFactory()]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim(user):
        try:
            barrier.wait()
            wishes.wish_claim(actor=user, wish=Wish.objects.get(pk=wish.pk))
            outcomes.append("won")
        except TransitionNotAllowedError:
            outcomes.append("refused")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=claim, args=(u,)) for u in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "won"]
    wish.refresh_from_db()
    assert wish.status == WishStatus.CLAIMED
    assert wish.claimed_by_id in {p.pk for p in people}


@pytest.mark.parametrize(
    ("raw", "stored"), [("+86 137-0000-1234", "13700001234"), ("(0571) 8765 4321", "057187654321"), ("", "")]
)
def test_a_wish_phone_is_stored_as_dialled(district, raw, stored):
    wish = wishes.wish_record(
        actor=district.grid_worker_a,
        title="一件冬衣",
        public_text="独居老人需要一件冬衣",
        area=district.grid_a,
        beneficiary_name="王秀英",
        beneficiary_phone=raw,
    )
    assert wish.beneficiary_phone == stored


def test_an_unreachable_wish_phone_is_refused_with_the_reason(district):
    with pytest.raises(ValidationFailedError, match="手机号应为 11 位，现在是 7 位") as caught:
        wishes.wish_record(
            actor=district.grid_worker_a,
            title="一件冬衣",
            public_text="独居老人需要一件冬衣",
            area=district.grid_a,
            beneficiary_name="王秀英",
            beneficiary_phone="1390012",
        )
    assert caught.value.field == "beneficiary_phone"
    assert not Wish.objects.exists()
