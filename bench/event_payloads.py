"""What parsing one appeal event's payload costs (`appeals.events.parse_payload`), per event type.

PYTHONPATH=. python bench/event_payloads.py
"""

import os
import timeit
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings.test")
django.setup()

from lianxin.appeals.events import parse_payload  # noqa: E402

rows: list[tuple[str, dict[str, Any]]] = [
    ("submitted", {"channel": "web", "kind": "complaint"}),
    ("dispatched", {"suggested_unit": 3, "chosen_unit": 3, "followed_suggestion": True}),
    ("accepted", {"late": False}),
    (
        "replied",
        {
            "late": True,
            "reply_quality": {
                "overall": 0.5,
                "relevance": 0.4,
                "completeness": 0.6,
                "timeliness": None,
                "reasons": ["a", "b"],
            },
        },
    ),
    ("rated", {"satisfaction": "basic", "solved": True}),
    ("overdue", {"resolve_due_at": "2026-11-30T10:00:00+08:00"}),
]
n = 20000
for event_type, data in rows:
    us = min(timeit.repeat(lambda: parse_payload(event_type, data), number=n, repeat=3)) / n * 1e6  # noqa: B023
    print(f"{event_type}: {us:.1f} us")
