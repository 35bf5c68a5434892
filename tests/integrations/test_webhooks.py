"""Webhooks against a real HTTP receiver on 127.0.0.1: signed, scoped, retried, paused, no PII."""

from __future__ import annotations

import json
import time

import pytest
from django.utils import timezone

from lianxin.appeals import services as appeal_services
from lianxin.appeals.actors import Actor
from lianxin.audit.models import AuditEntry
from lianxin.core.errors import ForbiddenError, ValidationFailedError
from lianxin.integrations import signing
from lianxin.integrations.delivery import deliveries_sweep
from lianxin.integrations.models import Delivery, DeliveryStatus, Subscription
from lianxin.integrations.services import (
    subscription_create,
    subscription_resume,
)
from lianxin.notifications.models import Notification
from tests.appeals.helpers import submit

from .receiver import start_receiver


@pytest.fixture
def receiver():
    r = start_receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.LIANXIN = {
        **settings.LIANXIN,
        "WEBHOOK_TIMEOUT": 3.0,
        "WEBHOOK_PAUSE_AFTER": 3,
        "WEBHOOK_MAX_ATTEMPTS": 5,
        "WEBHOOK_BACKOFF_SECONDS": 30.0,
        "AUTO_DISPATCH": False,
    }


def _sub(district, receiver, **kw):
    kw.setdefault("event_types", ["submitted", "dispatched"])
    return subscription_create(actor=district.admin, name="区大数据平台", url=receiver.url, **kw)


def _raise(district, capture, **kw):
    with capture(execute=True):
        return submit(district, **kw)


def _make_due():
    Delivery.objects.filter(status=DeliveryStatus.RETRYING).update(next_attempt_at=timezone.now())


def test_delivery_is_signed_and_verifies(district, receiver, django_capture_on_commit_callbacks):
    sub = _sub(district, receiver)
    appeal = _raise(district, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1
    req = receiver.requests[0]
    assert req.headers[signing.EVENT_HEADER] == "submitted"
    ts, sig = req.headers[signing.TIMESTAMP_HEADER], req.headers[signing.SIGNATURE_HEADER]
    assert signing.verify(sub.secret, timestamp=ts, signature_header=sig, body=req.body)
    # another secret, an altered body, or the same request replayed an hour later: refused
    assert not signing.verify("other-secret", timestamp=ts, signature_header=sig, body=req.body)
    assert not signing.verify(sub.secret, timestamp=ts, signature_header=sig, body=req.body + b" ")
    assert not signing.verify(
        sub.secret, timestamp=ts, signature_header=sig, body=req.body, now=time.time() + 3600
    )
    payload = json.loads(req.body)
    assert payload["event"] == "submitted"
    assert payload["appeal"]["tracking_number"] == appeal.tracking_number
    assert payload["appeal"]["area"]["code"] == "G1"
    d = Delivery.objects.get()
    assert (d.status, d.attempts, d.last_status_code, d.last_response) == (
        DeliveryStatus.SUCCEEDED,
        1,
        200,
        "ok",
    )


def test_nothing_sent_for_an_event_that_rolled_back(district, receiver):
    _sub(district, receiver)
    submit(district)  # the test's transaction never commits: no on-commit task runs
    assert receiver.requests == []


def test_retry_after_500_with_backoff(district, receiver, django_capture_on_commit_callbacks):
    _sub(district, receiver)
    receiver.statuses.extend([500])
    _raise(district, django_capture_on_commit_callbacks)
    d = Delivery.objects.get()
    assert (d.status, d.attempts, d.last_status_code) == (DeliveryStatus.RETRYING, 1, 500)
    assert "boom" in d.last_response
    assert d.next_attempt_at is not None
    wait = (d.next_attempt_at - timezone.now()).total_seconds()
    assert 20 < wait <= 30  # the first backoff
    assert deliveries_sweep() == {}  # not due yet: nothing sent
    assert len(receiver.requests) == 1
    _make_due()
    assert deliveries_sweep() == {"succeeded": 1}
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_status_code) == (DeliveryStatus.SUCCEEDED, 2, 200)
    assert [a.status_code for a in d.attempt_log.all()] == [500, 200]
    assert (
        receiver.requests[0].headers[signing.DELIVERY_HEADER]
        == receiver.requests[1].headers[signing.DELIVERY_HEADER]
    )


def test_backoff_doubles_and_gives_up(district, receiver, django_capture_on_commit_callbacks, settings):
    settings.LIANXIN = {**settings.LIANXIN, "WEBHOOK_PAUSE_AFTER": 100}
    _sub(district, receiver)
    receiver.statuses.extend([503] * 10)
    _raise(district, django_capture_on_commit_callbacks)
    waits = []
    for _ in range(4):
        d = Delivery.objects.get()
        assert d.next_attempt_at is not None
        waits.append(round((d.next_attempt_at - timezone.now()).total_seconds() / 30))
        _make_due()
        deliveries_sweep()
    d = Delivery.objects.get()
    assert waits == [1, 2, 4, 8]
    assert (d.status, d.attempts, d.next_attempt_at) == (DeliveryStatus.FAILED, 5, None)


def test_paused_after_n_failures_and_owner_notified(district, receiver, django_capture_on_commit_callbacks):
    sub = _sub(district, receiver)
    receiver.statuses.extend([500, 500, 500])
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            submit(district)
    sub.refresh_from_db()
    assert sub.paused
    assert sub.consecutive_failures == 3
    note = Notification.objects.get(user=district.admin, kind="webhook_paused")
    assert f"/integrations/{sub.pk}/" == note.link
    # paused: new events wait, nothing is sent, the sweep skips them
    _raise(district, django_capture_on_commit_callbacks)
    _make_due()
    assert deliveries_sweep() == {}
    assert len(receiver.requests) == 3
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 1
    # resumed: everything waiting is sent
    with django_capture_on_commit_callbacks(execute=True):
        subscription_resume(actor=district.admin, subscription=sub)
    assert Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 4
    sub.refresh_from_db()
    assert not sub.paused
    assert sub.consecutive_failures == 0


def test_a_success_resets_the_failure_count(district, receiver, django_capture_on_commit_callbacks):
    sub = _sub(district, receiver)
    receiver.statuses.extend([500, 500, 200, 500, 500])
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            submit(district)
    sub.refresh_from_db()
    assert not sub.paused
    assert sub.consecutive_failures == 2


def test_scope_filtering_by_area_category_and_event(district, receiver, django_capture_on_commit_callbacks):
    _sub(district, receiver, area=district.street_a, category=district.cat_city, event_types=["dispatched"])
    with django_capture_on_commit_callbacks(execute=True):
        in_scope = submit(district)  # G1 under street A, CJ-LD under CJ
        submit(district, area_code="G2")  # street B
        submit(district, category_code="HB")  # another category
    assert receiver.requests == []  # submitted is not subscribed
    with django_capture_on_commit_callbacks(execute=True):
        appeal_services.appeal_dispatch(
            appeal=in_scope, actor=Actor.staff(district.dispatcher), unit=district.unit_city
        )
    assert [json.loads(r.body)["appeal"]["tracking_number"] for r in receiver.requests] == [
        in_scope.tracking_number
    ]
    assert json.loads(receiver.requests[0].body)["event"] == "dispatched"


def test_an_owner_is_told_only_of_appeals_they_may_see(
    district, receiver, django_capture_on_commit_callbacks
):
    subscription_create(
        actor=district.leader_b, name="西街道平台", url=receiver.url, event_types=["submitted"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        submit(district)  # G1: street A, not leader_b's
        mine = submit(district, area_code="G2")
    assert [json.loads(r.body)["appeal"]["tracking_number"] for r in receiver.requests] == [
        mine.tracking_number
    ]


def test_no_personal_data_by_default(district, receiver, django_capture_on_commit_callbacks):
    _sub(district, receiver)
    _raise(district, django_capture_on_commit_callbacks, contact_name="李四", contact_phone="13987654321")
    body = receiver.requests[0].body.decode()
    for secret in ("李四", "13987654321", "4321", "路灯坏了"):
        assert secret not in body
    assert "13987654321" not in json.dumps(list(Delivery.objects.values_list("payload", flat=True)))


def test_personal_data_only_when_allowed_and_never_for_anonymous(
    district, receiver, django_capture_on_commit_callbacks
):
    # an administrator allows it, for an owner who may see residents' contacts (a dispatcher)
    _sub(district, receiver, include_personal_data=True, owner=district.dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        named = submit(district, contact_name="李四", contact_phone="13987654321")
        submit(district, anonymous=True, contact_name="王五", contact_phone="13700001111")
    first, second = (r.body.decode() for r in receiver.requests)
    assert "李四" in first
    assert "13987654321" in first
    assert "王五" not in second
    assert "13700001111" not in second
    assert '"contact"' not in second
    # the look is audited; the stored payload never holds the contact
    assert AuditEntry.objects.filter(action="personal_data_view", object_id=named.tracking_number).exists()
    assert "13987654321" not in json.dumps(list(Delivery.objects.values_list("payload", flat=True)))


def test_refusals(district, receiver):
    with pytest.raises(ValidationFailedError) as e:
        subscription_create(
            actor=district.dispatcher,
            name="x",
            url=receiver.url,
            event_types=["submitted"],
            include_personal_data=True,
        )
    assert e.value.field == "include_personal_data"
    with pytest.raises(ForbiddenError):
        subscription_create(actor=district.resident, name="x", url=receiver.url, event_types=["submitted"])
    with pytest.raises(ValidationFailedError) as e:
        _sub(district, receiver, event_types=["bogus"])
    assert e.value.field == "event_types"
    assert "bogus" in e.value.message
    with pytest.raises(ValidationFailedError) as e:
        subscription_create(
            actor=district.admin, name="x", url="ftp://example.org/", event_types=["submitted"]
        )
    assert e.value.field == "url"
    with pytest.raises(ValidationFailedError) as e:
        subscription_create(
            actor=district.dispatcher,
            name="x",
            url=receiver.url,
            event_types=["submitted"],
            owner=district.supervisor,
        )
    assert e.value.field == "owner"
    assert Subscription.objects.count() == 0


def test_a_refused_connection_is_logged_and_retried(district, django_capture_on_commit_callbacks):
    subscription_create(
        actor=district.admin, name="x", url="http://127.0.0.1:9/nothing", event_types=["submitted"]
    )
    _raise(district, django_capture_on_commit_callbacks)
    d = Delivery.objects.get()
    assert d.status == DeliveryStatus.RETRYING
    assert d.last_status_code is None
    assert d.last_error


def test_a_bulk_intake_delivers_each_event_in_scope(district, receiver, django_capture_on_commit_callbacks):
    from lianxin.appeals.batch import BatchItem, appeals_submit_batch
    from lianxin.appeals.intake import AppealInput

    _sub(district, receiver, area=district.street_a, event_types=["submitted"])

    def item(area: str) -> BatchItem:
        return BatchItem(
            data=AppealInput(
                text="幸福小区门口的路灯坏了，晚上很黑。",
                category_code="CJ-LD",
                area_code=area,
                contact_phone="13812341234",
                contact_consent=True,
            )
        )

    with django_capture_on_commit_callbacks(execute=True):
        answers = appeals_submit_batch(
            items=[item("G1"), item("G2"), item("G1")], actor=Actor.staff(district.operator)
        )
    sent = sorted(json.loads(r.body)["appeal"]["tracking_number"] for r in receiver.requests)
    assert sent == sorted(
        [answers[0].tracking_number or "", answers[2].tracking_number or ""]
    )  # street B's is out of scope
    assert {json.loads(r.body)["event"] for r in receiver.requests} == {"submitted"}
