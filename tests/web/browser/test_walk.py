"""Issue 16: a walk of every page linked from each role's pages, in Chromium, with no console
error, no uncaught script error and no server error on any of them.

From the role's landing page, every same-origin link (GET, not a download, not logging out) is
followed breadth first, two links deep, up to a cap per role; each page is opened once.
"""

from __future__ import annotations

from urllib.parse import urldefrag, urlparse

import pytest

from tests.web.browser.conftest import DESKTOP, login

pytestmark = pytest.mark.browser

ROLES = {
    None: "/",
    "resident": "/mine/",
    "operator": "/staff/",
    "dispatcher": "/staff/",
    "handler_city": "/staff/",
    "grid_a": "/staff/",
    "supervisor": "/staff/",
    "admin": "/staff/",
}
MAX_PAGES = 60
DEPTH = 2
SKIP_PREFIXES = ("/accounts/logout/", "/admin/", "/api/v1/openapi.json", "/media/", "/static/")
SKIP_SUFFIXES = (".pdf", ".xlsx", ".csv", ".json", ".xml", ".ics", ".png", ".svg", ".html")


def _followable(base: str, href: str) -> str | None:
    url, _fragment = urldefrag(href)
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or f"{parsed.scheme}://{parsed.netloc}" != base:
        return None
    path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    if (
        parsed.path.startswith(SKIP_PREFIXES)
        or parsed.path.endswith(SKIP_SUFFIXES)
        or "/download" in parsed.path
    ):
        return None
    return path


@pytest.mark.parametrize("who", list(ROLES), ids=[w or "public" for w in ROLES])
def test_every_linked_page_has_no_console_error(new_page, live_district, live_server, who):
    page = new_page(DESKTOP)
    problems: list[str] = []
    current = {"path": ""}
    page.on(
        "console",
        lambda m: problems.append(f"{current['path']}: console {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"{current['path']}: script {e}"))
    if who == "resident":
        page.goto("/accounts/login/")
        page.fill("#id_username", who)
        page.fill("#id_password", "pass12345")
        page.click("main button[type=submit]")
        page.wait_for_url("**/mine/")
    elif who:
        login(page, who)
    base = live_server.url.rstrip("/")
    seen: set[str] = set()
    frontier = [ROLES[who]]
    for _depth in range(DEPTH + 1):
        following: list[str] = []
        for path in frontier:
            if path in seen or len(seen) >= MAX_PAGES:
                continue
            seen.add(path)
            current["path"] = path
            response = page.goto(path)
            status = response.status if response is not None else 0
            if status >= 500 or status == 0:
                problems.append(f"{path}: HTTP {status}")
                continue
            page.wait_for_load_state("load")
            for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                found = _followable(base, href)
                if found and found not in seen:
                    following.append(found)
        frontier = list(dict.fromkeys(following))
    assert len(seen) >= 3, seen  # the walk went somewhere
    assert not problems, "\n".join(problems)
