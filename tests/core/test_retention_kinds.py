"""Retention of the personal data held outside appeals: mediation parties, phone sign-ups, wishes'
contacts, phone subscriptions and one-time phone codes — erased past their period, the rest kept,
each erased batch audited (core/retention.py registry, audit/erasure.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.activities.models import Signup, SignupStatus, WishStatus
from lianxin.appeals.actors import Actor
from lianxin.audit.models import AuditEntry
from lianxin.audit.services import audit_verify
from lianxin.core.crypto import phone_lookup_hash
from lianxin.core.models import PhoneChallenge
from lianxin.core.retention import retention_run
from lianxin.mediation.intake import CaseInput, PartyInput, case_request
from lianxin.mediation.models import MediationCase, Party, PartyRole, Status
from lianxin.proactive.models import Subscription
from tests.activities.factories import make_activity, make_wish, street_handler

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def _run(key: str, *, dry_run: bool = False) -> int:
    return {r.key: r.affected for r in retention_run(dry_run=dry_run)}[key]


def _case(district, *, status: str, closed_days_ago: int) -> MediationCase:
    case = case_request(
        actor=Actor.resident(district.resident),
        data=CaseInput(
            title="楼上漏水纠纷",
            description="楼上卫生间漏水到楼下，双方对维修费用有争议。",
            dispute_type="neighbour",
            area_code=district.community_a.code,
            parties=[
                PartyInput(
                    role=PartyRole.APPLICANT,
                    name="李建国",
                    phone="13811112222",
                    id_number="11010519491231002X",
                ),
                PartyInput(role=PartyRole.RESPONDENT, name="王秀英", phone="13933334444"),
            ],
        ),
    )
    MediationCase.objects.filter(pk=case.pk).update(
        status=status, closed_at=NOW - dt.timedelta(days=closed_days_ago)
    )
    return case


def test_parties_of_long_finished_cases_are_erased_and_the_case_kept(district):
    old = _case(district, status=Status.CLOSED, closed_days_ago=4 * 365)
    recent = _case(district, status=Status.CLOSED, closed_days_ago=30)
    still_open = _case(district, status=Status.IN_MEDIATION, closed_days_ago=4 * 365)
    assert _run("mediation_parties", dry_run=True) == 2
    before = AuditEntry.objects.count()
    assert _run("mediation_parties") == 2
    erased = Party.objects.filter(case=old)
    assert {(p.name, p.phone, p.id_number, p.phone_hash, p.id_hash, p.user_id) for p in erased} == {
        ("", "", "", "", "", None)
    }
    assert MediationCase.objects.filter(pk=old.pk, status=Status.CLOSED).exists()  # the case stays
    assert all(p.name for p in Party.objects.filter(case__in=[recent, still_open]))
    entry = AuditEntry.objects.order_by("-seq").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry is not None
    assert entry.data["kind"] == "mediation_parties"
    assert audit_verify().ok
    assert _run("mediation_parties") == 0  # nothing twice


def test_phone_signups_lose_phone_name_and_link_after_the_activity(district):
    organiser = street_handler(district)
    past = make_activity(organiser=organiser, area=district.community_a, starts_in=-dt.timedelta(days=200))
    coming = make_activity(organiser=organiser, area=district.community_a)
    rows = [
        Signup.objects.create(
            activity=a,
            phone="13811112222",
            phone_hash=phone_lookup_hash("13811112222"),
            name="李建国",
            token=f"tok{a.pk}",
            status=SignupStatus.CONFIRMED,
            created_at=NOW,
        )
        for a in (past, coming)
    ]
    by_account = Signup.objects.create(
        activity=past, user=district.resident, status=SignupStatus.CONFIRMED, created_at=NOW
    )
    assert _run("activity_phone_signups") == 1
    erased, kept = (Signup.objects.get(pk=r.pk) for r in rows)
    assert (erased.phone, erased.name, erased.token) == ("", "", None)
    assert erased.phone_hash == f"erased:{erased.pk}"
    assert erased.status == SignupStatus.CONFIRMED
    assert (kept.phone, kept.name, kept.token) == ("13811112222", "李建国", f"tok{coming.pk}")
    assert Signup.objects.filter(pk=by_account.pk, user=district.resident).exists()
    assert _run("activity_phone_signups") == 0


def test_wish_contacts_go_a_year_after_the_wish_is_closed(district):
    old = make_wish(area=district.community_a, recorded_by=None, status=WishStatus.CLOSED)
    old.closed_at = NOW - dt.timedelta(days=400)
    old.save()
    fresh = make_wish(area=district.community_a, recorded_by=None, status=WishStatus.CLOSED)
    fresh.closed_at = NOW - dt.timedelta(days=10)
    fresh.save()
    open_wish = make_wish(area=district.community_a, recorded_by=None, status=WishStatus.OPEN)
    assert _run("wish_contacts") == 1
    old.refresh_from_db()
    assert (old.beneficiary_name, old.beneficiary_phone) == ("", "")
    assert old.title == "一件冬衣"
    assert {w.beneficiary_phone for w in (fresh, open_wish)} == {"13700001234"}


def test_phone_subscriptions_lapse_and_account_ones_stay(district):
    by_phone = Subscription.objects.create(
        phone="13811112222", phone_hash=phone_lookup_hash("13811112222"), area=district.community_a
    )
    new_phone = Subscription.objects.create(
        phone="13922223333", phone_hash=phone_lookup_hash("13922223333"), area=district.community_a
    )
    by_account = Subscription.objects.create(user=district.resident, area=district.community_a)
    Subscription.objects.filter(pk__in=[by_phone.pk, by_account.pk]).update(
        created_at=NOW - dt.timedelta(days=800)
    )
    assert _run("phone_subscriptions") == 1
    assert set(Subscription.objects.values_list("pk", flat=True)) == {new_phone.pk, by_account.pk}


def test_old_phone_codes_are_deleted(district):
    def challenge(days_ago: int) -> PhoneChallenge:
        at = NOW - dt.timedelta(days=days_ago)
        return PhoneChallenge.objects.create(
            purpose="test",
            phone="13811112222",
            phone_hash="h",
            code_hash="c",
            created_at=at,
            expires_at=at + dt.timedelta(minutes=10),
        )

    old, recent = challenge(40), challenge(1)
    assert _run("phone_challenges") == 1
    assert list(PhoneChallenge.objects.values_list("pk", flat=True)) == [recent.pk]
    assert old.pk != recent.pk
