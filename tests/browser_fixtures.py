"""The browser fixtures, registered once for the whole test run (tests/conftest.py `pytest_plugins`):
one Playwright and one Chromium per session, whichever app's tests use them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/system-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh contexts (separate cookies = separate people)."""
    contexts = []

    def make(viewport: dict | None = None, *, mobile: bool = False):
        ctx = browser.new_context(
            viewport=viewport or DESKTOP,
            locale="zh-CN",
            is_mobile=mobile,
            has_touch=mobile,
            base_url=live_server.url,
        )
        # 10 s; a loaded machine (several engineers' test runs on two cores) may set more
        ctx.set_default_timeout(int(os.environ.get("LIANXIN_BROWSER_TIMEOUT_MS", "10000")))
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def live_district(transactional_db, settings):
    from tests.factories import District

    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    return District()
