"""Every page names the icon, and a browser's own request for /favicon.ico finds it (was a 404)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_pages_name_the_icon_and_favicon_ico_leads_to_it(client):
    html = client.get("/").content.decode()
    assert 'rel="icon"' in html
    assert "web/favicon.svg" in html
    r = client.get("/favicon.ico")
    assert r.status_code == 301
    assert r.url.endswith("web/favicon.svg")
    icon = client.get(r.url)
    assert icon.status_code == 200
    body = b"".join(icon.streaming_content) if icon.streaming else icon.content
    assert body.startswith(b"<svg")
