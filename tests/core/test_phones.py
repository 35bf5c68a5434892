"""One phone rule (China's numbering plan) for every channel: what is
accepted, how it is stored, what is said."""

from __future__ import annotations

import pytest

from lianxin.core.phones import PhoneInvalidError, normalise_cn_phone


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("13812341234", "13812341234"),
        ("138-1234-1234", "13812341234"),
        ("+86 138 1234 1234", "13812341234"),
        ("0086 13812341234", "13812341234"),
        ("8613812341234", "13812341234"),
        ("010-12345678", "01012345678"),
        ("(021) 6234 5678", "02162345678"),
        ("0571-8765432", "05718765432"),
        ("0571 87654321", "057187654321"),
        ("19912345678", "19912345678"),
    ],
)
def test_reachable_numbers_are_stored_as_dialled(raw, stored):
    assert normalise_cn_phone(raw) == stored


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("1390012", "11 位，现在是 7 位"),
        ("123456789012", "11 位"),
        ("12012345678", "13 至 19"),
        ("010-1234567", "区号和号码"),
        ("0571-123456", "区号和号码"),
        ("12345", "11 位"),
        ("62345678", "带区号"),
        ("+1 415 555 0100", "+86"),
        ("138abc41234", "只能包含数字"),
        ("", "请填写"),
    ],
)
def test_unreachable_numbers_are_refused_saying_why(raw, says):
    with pytest.raises(PhoneInvalidError) as refused:
        normalise_cn_phone(raw)
    assert says in str(refused.value)


@pytest.mark.django_db
def test_every_channel_uses_the_rule(client):
    """The API and Open311 refuse 1390012 with the same message; the web form too."""
    from lianxin.org.services import api_token_create
    from tests.factories import District

    district = District()
    _t, key = api_token_create(user=district.operator, name="t")
    api = client.post(
        "/api/v1/appeals",
        data={
            "text": "路灯坏了很久了，晚上很黑。",
            "area": "G1",
            "contact_name": "张",
            "contact_phone": "1390012",
            "contact_consent": True,
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert api.status_code == 400
    assert api.json()["field"] == "contact_phone"
    assert "7 位" in api.json()["message"]
    o311 = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "CJ-LD",
            "address_string": "幸福小区",
            "description": "路灯坏了",
            "phone": "1390012",
        },
    )
    assert o311.status_code == 400
    assert "7 位" in o311.content.decode()
    stored = client.post(
        "/api/v1/appeals",
        data={
            "text": "路灯坏了很久了，晚上很黑。",
            "area": "G1",
            "contact_name": "张",
            "contact_phone": "+86 139-0012-3456",
            "contact_consent": True,
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert stored.status_code == 201
    from lianxin.appeals.models import Appeal

    assert Appeal.objects.get(tracking_number=stored.json()["tracking_number"]).contact_phone == "13900123456"
