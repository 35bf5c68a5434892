"""Phone verification by one-time code (the shared core/phoneverify.py,
read from the SMS outbox) and the home area."""

from __future__ import annotations

import pytest

from lianxin.consultations import services
from lianxin.consultations.policy import Action, can
from lianxin.core.errors import ValidationFailedError

from .factories import consultation


def test_verify_phone_then_take_part(people, sms_outbox):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city, audience="verified_phone")
    assert not can(people.resident, c, Action.COMMENT)
    with pytest.raises(ValidationFailedError, match="11 位"):
        services.phone_code_send(actor=people.resident, phone="12345")
    services.phone_code_send(actor=people.resident, phone="13900001111")
    code = sms_outbox.code("13900001111")
    with pytest.raises(ValidationFailedError, match="不正确"):
        services.phone_code_verify(actor=people.resident, code="000000" if code != "000000" else "111111")
    profile = services.phone_code_verify(actor=people.resident, code=code)
    assert profile.verified_phone == "13900001111"
    assert can(people.resident, c, Action.COMMENT)
    with pytest.raises(ValidationFailedError, match="失效"):  # a code works once
        services.phone_code_verify(actor=people.resident, code=code)


def test_too_many_wrong_codes(people, sms_outbox):
    services.phone_code_send(actor=people.resident, phone="13900001111")
    code = sms_outbox.code("13900001111")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ValidationFailedError):
            services.phone_code_verify(actor=people.resident, code=wrong)
    with pytest.raises(ValidationFailedError, match="失效"):
        services.phone_code_verify(actor=people.resident, code=code)


def test_home_area(people):
    d = people.d
    c = consultation(organiser=people.organiser, unit=d.unit_city, audience="area_residents", area=d.street_b)
    services.home_area_set(actor=people.resident, area=d.community_b)
    assert can(people.resident, c, Action.COMMENT)
