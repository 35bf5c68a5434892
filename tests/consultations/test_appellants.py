"""From appeals to consultations, the loop closed: the residents whose appeals led to a consultation
are invited when it is published and told when its decision is published — by their account, or by
a text message for a hotline caller; an anonymous resident only through their own account."""

from __future__ import annotations

import pytest

from lianxin.audit.models import AuditEntry
from lianxin.consultations import services
from lianxin.consultations.models import ConsultationOrigin, OriginKind, PhaseType, Status
from lianxin.notifications.models import Notification
from tests.factories import AppealFactory, UserFactory

from .factories import consultation

pytestmark = pytest.mark.django_db


@pytest.fixture
def from_appeals(people):
    d = people.d
    # its phases run up to the decision: published now, its decision published next
    c = consultation(
        organiser=people.organiser, unit=d.unit_city, status=Status.DRAFT, current=PhaseType.DECISION
    )
    caller = AppealFactory(area=d.community_a, contact_phone="13911112222", is_anonymous=False)
    again = AppealFactory(area=d.community_a, contact_phone="13911112222", is_anonymous=False)  # same caller
    web = AppealFactory(area=d.community_a, resident=people.resident)
    web_twice = AppealFactory(area=d.community_a, resident=people.resident)
    hidden_account = UserFactory(username="hidden_resident")
    anonymous = AppealFactory(
        area=d.community_a, resident=hidden_account, is_anonymous=True, contact_phone=""
    )
    anonymous_caller = AppealFactory(
        area=d.community_a, is_anonymous=True, contact_phone="", callback_sealed="13700009999"
    )
    origin = ConsultationOrigin.objects.create(consultation=c, kind=OriginKind.HOTSPOT, label="路灯")
    origin.appeals.set([caller, again, web, web_twice, anonymous, anonymous_caller])
    return c, hidden_account


def _titles(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def test_publication_invites_and_the_decision_tells_them(
    people, from_appeals, sms_outbox, django_capture_on_commit_callbacks
):
    c, hidden_account = from_appeals
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_publish(actor=people.organiser, consultation=c)
    invited = [t for t in _titles(people.resident) if "正在征求意见" in t]
    assert invited == [f"您反映过的问题正在征求意见：{c.title}"]  # once, for two appeals
    assert any("正在征求意见" in t for t in _titles(hidden_account))  # anonymous: only through the account
    texts = sms_outbox.to("13911112222")
    assert len(texts) == 1
    assert f"/consultations/{c.slug}/" in texts[0]
    assert sms_outbox.to("13700009999") == []  # a sealed number serves its appeal alone
    entry = AuditEntry.objects.filter(object_type="consultation", data__appellants_told="invite").get()
    assert entry.data == {"appellants_told": "invite", "accounts": 2, "texts": 1}  # counts, nobody named

    c.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_publish(
            actor=people.organiser, consultation=c, summary="采纳了关于收费的意见。", final_texts={}
        )
    assert any("有了决定" in t for t in _titles(people.resident))
    decision_texts = sms_outbox.to("13911112222")
    assert len(decision_texts) == 2
    assert f"/consultations/{c.slug}/decision/" in decision_texts[1]
    assert sms_outbox.to("13700009999") == []


def test_a_consultation_not_opened_from_appeals_tells_nobody_extra(
    people, sms_outbox, django_capture_on_commit_callbacks
):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city, status=Status.DRAFT)
    AppealFactory(area=people.d.community_a, resident=people.resident)
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_publish(actor=people.organiser, consultation=c)
    assert not any("正在征求意见" in t for t in _titles(people.resident))
    assert sms_outbox.messages == []
    assert not AuditEntry.objects.filter(data__has_key="appellants_told").exists()
