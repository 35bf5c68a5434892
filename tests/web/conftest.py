from __future__ import annotations

import pytest
from django.test import Client

from lianxin.org.models import User


@pytest.fixture
def client_for():
    """A logged-in test client for one user."""

    def make(user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture
def no_auto_dispatch(settings):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
