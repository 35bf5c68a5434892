"""Every page runs under the strict Content Security Policy without a single violation.

The policy forbids inline scripts and inline styles; a page that still had one would lose its
behaviour or its look in production. Each page is opened in Chromium as the role that uses it, and
both the `securitypolicyviolation` events and the console are read.
"""

from __future__ import annotations

import pytest

from tests.web.browser.conftest import login

pytestmark = pytest.mark.browser

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' @' + e.lineNumber));
"""

PAGES = {
    None: ["/", "/appeal/new/", "/track/", "/accounts/login/", "/api/v1/docs"],
    "operator": ["/staff/", "/staff/hotline/", "/staff/notifications/"],
    "dispatcher": ["/staff/queue/to_dispatch/", "/staff/queue/overdue/"],
    "supervisor": [
        "/supervision/",
        "/supervision/warnings/",
        "/supervision/orders/",
        "/supervision/text-hotspots/",
    ],
    "handler_city": ["/supervision/unit/", "/staff/"],
    "admin": ["/admin/", "/accounts/2fa/setup/"],
    # the newer apps' entry pages (names, so a moved URL does not silently drop out)
    "resident": ["consultations:list", "activities:calendar", "mediation:home"],
    "grid_a": ["outreach:mine"],
}


def _violations(page, console: list[str]) -> list[str]:
    return list(page.evaluate("window.__csp || []")) + [m for m in console if "Content Security Policy" in m]


@pytest.mark.parametrize("who", list(PAGES))
def test_pages_run_without_csp_violations(new_page, live_district, who):
    page = new_page()
    page.context.add_init_script(WATCH)
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    if who == "resident":  # residents land on their own appeals, not the workbench
        page.goto("/accounts/login/")
        page.fill("#id_username", who)
        page.fill("#id_password", "pass12345")
        page.click("main button[type=submit]")
        page.wait_for_url("**/mine/")
    elif who:
        login(page, who)
    from django.urls import reverse

    for entry in PAGES[who]:
        path = entry if entry.startswith("/") else reverse(entry)
        response = page.goto(path)
        assert response is not None, path
        assert response.status < 400, (path, response.status)
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or ""), path
        page.wait_for_load_state("networkidle")
        found = _violations(page, console)
        assert not found, f"{who or 'public'} {path}: {found}"
