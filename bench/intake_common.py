"""What the intake benchmarks share (bench/intake_profile.py, bench/intake_batch.py): the one
300-character body of bench/intake.sh, an intake item, and the scratch database with the test
suite's district and the hotline operator's API client."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

BODY_TEXT = (
    "东湖路与青年路交叉口的路灯已经坏了一个多星期，晚上整条路漆黑一片，老人和孩子走路很不安全，"
    "上周还有一位骑电动车的居民在路口摔倒受伤。附近居民多次向社区反映，社区说已经报给了相关部门，"
    "但一直没有人来修。希望有关部门尽快派人检修路灯，并检查一下这一段线路是否老化，"
    "避免再出现类似的问题。另外路口的井盖也有些松动，车辆经过时声音很大，一并请处理。谢谢！"
)


def intake_item(text: str, i: int) -> dict[str, Any]:
    """One hotline intake with category and grid (so it is auto-dispatched), numbered `i`."""
    return {
        "text": f"{text}（第{i}号）",
        "kind": "complaint",
        "channel": "hotline",
        "category": "CJ-LD",
        "area": "G1",
        "contact_name": "张三",
        "contact_phone": f"138{i % 10**8:08d}",
        "contact_consent": True,
    }


@contextmanager
def scratch_intake(*, database: str, model: str) -> Iterator[tuple[Any, Any]]:
    """Django set up on a scratch test database (created and dropped like the test runner does)
    holding the test suite's district; yields the district and a test client authenticated as
    its hotline operator by API token, the triage engine warmed up."""
    if database:
        os.environ["LIANXIN_DATABASE_URL"] = database
    if model:
        os.environ["LIANXIN_TRIAGE_MODEL"] = model
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings.test")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        sys.path.insert(0, os.getcwd())
        from lianxin.appeals import triage_bridge
        from lianxin.org.services import api_token_create
        from tests.factories import District

        district = District()
        _token, key = api_token_create(user=district.operator, name="bench")
        client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {key}")
        triage_bridge.warm_up()
        yield district, client
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
