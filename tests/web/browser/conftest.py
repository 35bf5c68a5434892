"""Helpers of the end-to-end tests (the fixtures `browser`, `new_page`, `live_district` live in
tests/browser_fixtures.py, registered once for the whole run: two Playwright instances in one
process refuse to start).

End-to-end tests in Debian's Chromium, driven by Playwright against pytest-django's live server.

Never `playwright install`: the browser is /usr/bin/chromium (scripts/system-deps.sh installs it).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from tests are still
# synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / "lianxin" / "web" / "static" / "vendor" / "axe-core" / "axe.min.js"
# A test run writes its screenshots outside the tracked files (var/ is ignored); `make screenshots`
# points this at docs/screenshots to refresh the documentation's pictures on purpose.
SCREENSHOTS = Path(os.environ.get("LIANXIN_SCREENSHOTS_DIR") or ROOT / "var" / "screenshots").resolve()
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def login(page, username: str, password: str = "pass12345") -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/staff/")


def patient(page):
    """A shared two-core machine can take more than the default 10 s to serve a page."""
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(60_000)
    return page


def verify_phone(page, number: str, sms_outbox) -> None:
    """A resident without an account proves a phone on the page's one-time-code form
    (`core/phoneverify.py`): the number, the code from the text message, "verified"."""
    page.fill("#otp-phone", number)
    page.click("form:has(#otp-phone) button")
    page.wait_for_selector("text=验证码已发送")
    page.fill("#otp-code", sms_outbox.code(number))
    page.click("form:has(#otp-code) button")
    page.wait_for_selector("text=手机号已验证")


def logout(page) -> None:
    page.click("header form[action='/accounts/logout/'] button")
    page.wait_for_url("**/")


def check_a11y(page, name: str) -> None:
    """Run axe-core on the page; fail on serious or critical violations, printing them."""
    # from our own origin: the pages' CSP (script-src 'self') refuses an injected inline script
    assert AXE.exists(), AXE
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
    if bad:
        print(
            json.dumps(
                [
                    {
                        "id": v["id"],
                        "impact": v["impact"],
                        "help": v["help"],
                        "nodes": [n["target"] for n in v["nodes"]][:5],
                    }
                    for v in bad
                ],
                ensure_ascii=False,
                indent=1,
            )
        )
    assert not bad, f"{name}: {len(bad)} serious/critical accessibility violations: {[v['id'] for v in bad]}"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    suffix = "phone" if width <= 480 else "desktop"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{suffix}.png"), full_page=False)
