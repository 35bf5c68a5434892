"""The SSRF guard: webhooks reach public addresses only, unless an operator lists an internal host."""

from __future__ import annotations

import ipaddress

import pytest
from django.utils import timezone

from lianxin.core.errors import ValidationFailedError
from lianxin.integrations.delivery import delivery_attempt
from lianxin.integrations.egress import address_permitted
from lianxin.integrations.models import Delivery, DeliveryStatus, Subscription
from lianxin.integrations.services import subscription_create

from .receiver import start_receiver


@pytest.fixture
def receiver():
    r = start_receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def nothing_allowed(settings):
    settings.LIANXIN = {**settings.LIANXIN, "WEBHOOK_ALLOWED_HOSTS": []}


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::5",
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ],
)
def test_internal_addresses_are_refused(address, nothing_allowed):
    assert not address_permitted(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "114.114.114.114", "2400:3200::1"])
def test_public_addresses_are_permitted(address, nothing_allowed):
    assert address_permitted(ipaddress.ip_address(address))


def test_allow_list_admits_names_and_networks(settings):
    settings.LIANXIN = {
        **settings.LIANXIN,
        "WEBHOOK_ALLOWED_HOSTS": ["10.20.0.0/16", "exchange.city.internal"],
    }
    assert address_permitted(ipaddress.ip_address("10.20.3.4"))
    assert not address_permitted(ipaddress.ip_address("10.21.3.4"))
    assert address_permitted(ipaddress.ip_address("10.99.0.1"), host="Exchange.City.Internal.")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/",
        "http://localhost/hook",
        "https://169.254.169.254/latest",
        "http://[::1]:8000/h",
        "http://10.0.0.8/h",
    ],
)
def test_subscribing_an_internal_address_is_refused_with_the_fix(district, url, nothing_allowed):
    with pytest.raises(ValidationFailedError) as err:
        subscription_create(actor=district.admin, name="内部", url=url, event_types=["submitted"])
    assert err.value.field == "url"
    assert "LIANXIN_WEBHOOK_ALLOWED_HOSTS" in str(err.value)
    assert not Subscription.objects.exists()


@pytest.mark.django_db
def test_a_listed_internal_receiver_may_be_subscribed(district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "WEBHOOK_ALLOWED_HOSTS": ["10.0.0.0/8"]}
    sub = subscription_create(
        actor=district.admin, name="市数据交换", url="http://10.0.0.8/h", event_types=["submitted"]
    )
    assert sub.pk


@pytest.mark.django_db
def test_delivery_to_an_address_that_became_internal_is_not_sent(district, receiver, nothing_allowed):
    # saved while allowed (or a name that resolved elsewhere then), dialled when it is internal
    sub = Subscription.objects.create(
        name="改绑", owner=district.admin, url=receiver.url, event_types=["submitted"]
    )
    d = Delivery.objects.create(
        subscription=sub,
        event_type="submitted",
        payload={"appeal": {}},
        status=DeliveryStatus.PENDING,
        next_attempt_at=timezone.now(),
    )
    assert delivery_attempt(d.pk) == DeliveryStatus.RETRYING
    d.refresh_from_db()
    assert receiver.requests == []
    assert "internal addresses" in d.last_error
    assert d.last_status_code is None


@pytest.mark.django_db
def test_delivery_to_a_listed_receiver_is_sent(district, receiver):
    sub = Subscription.objects.create(
        name="本机", owner=district.admin, url=receiver.url, event_types=["submitted"]
    )
    d = Delivery.objects.create(
        subscription=sub,
        event_type="submitted",
        payload={"appeal": {}},
        status=DeliveryStatus.PENDING,
        next_attempt_at=timezone.now(),
    )
    assert delivery_attempt(d.pk) == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 1
