from __future__ import annotations

import pytest

from lianxin.worktime import calendar

from .factories import District

# the browser fixtures once for the whole run (one Playwright per process)
pytest_plugins = ["tests.browser_fixtures"]


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture
def district(db) -> District:
    return District()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from lianxin.appeals.duplicate_index import reset_recent_index

    cache.clear()
    reset_recent_index()  # the per-process index must not remember rows of other tests


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a request in English (the locale middleware
    activates the reader's language for the thread) must not leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session", autouse=True)
def _remove_test_media():
    yield
    import shutil

    from django.conf import settings

    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_audit_anchor(settings, tmp_path_factory):
    """Each test its own anchor file: the anchors a committed test wrote outside the database stay
    when its rows are gone, and would (rightly) make the next test's chain look truncated."""
    path = tmp_path_factory.mktemp("audit") / "audit-anchor.log"
    settings.LIANXIN = {**settings.LIANXIN, "AUDIT_ANCHOR_PATH": str(path)}


@pytest.fixture
def sms_outbox(settings):
    """Text messages sent during the test (core/sms.py's MemorySmsBackend); `code()` reads the last
    one-time code sent."""
    from lianxin.core.sms import MemorySmsBackend

    settings.LIANXIN = {**settings.LIANXIN, "SMS_BACKEND": "lianxin.core.sms.MemorySmsBackend"}
    MemorySmsBackend.outbox.clear()
    yield SmsOutbox(MemorySmsBackend.outbox)
    MemorySmsBackend.outbox.clear()


class SmsOutbox:
    def __init__(self, messages: list) -> None:
        self.messages = messages

    def code(self, number: str | None = None) -> str:
        import re

        for sms in reversed(self.messages):
            match = re.search(r"验证码 (\d{6})", sms.text)
            if match and (number is None or sms.number == number):
                return match.group(1)
        raise AssertionError("no one-time code was sent")

    def to(self, number: str) -> list[str]:
        return [sms.text for sms in self.messages if sms.number == number]
