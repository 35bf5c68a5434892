"""Query counts that do not grow with the rows a list page shows (N+1 caught by the test).

`queries_of` counts what one GET costs with a few rows; the caller adds more rows and asserts the
second GET costs no more, with pytest-django's `django_assert_max_num_queries`, and that the added
rows are on the page (so the cap is measured on a page that really lists them).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_of(client: Any, url: str, params: dict[str, Any] | None = None) -> int:
    client.get(url, params or {})  # warm: session, caches, the area directory
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries)
