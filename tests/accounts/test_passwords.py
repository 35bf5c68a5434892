"""Password rules refuse short, common, numeric and username-like passwords (ASVS 2.1)."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.factories import UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password",
    ["short1!", "password1234", "123456789012", "13812345678", "zhangwei-2026", "qwertyuiop123"],
)
def test_weak_passwords_are_refused(password):
    user = UserFactory(username="zhangwei-2026", display_name="张伟", phone="13812345678")
    with pytest.raises(ValidationError):
        validate_password(password, user)


@pytest.mark.django_db
def test_a_long_uncommon_password_is_accepted():
    user = UserFactory(username="zhangwei")
    validate_password("lake-willow-trees-7q", user)  # no exception
    validate_password("西湖边的三棵柳树旁有座小亭子", user)  # Chinese passphrases count per character
