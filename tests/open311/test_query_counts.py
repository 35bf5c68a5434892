"""Open311 GET requests costs the same number of queries for 2 requests as for 12 (issue 11)."""

from __future__ import annotations

import pytest
from django.test import Client

from lianxin.appeals.models import Status
from lianxin.org.services import api_token_create
from tests.factories import AppealFactory
from tests.querycount import queries_of

pytestmark = pytest.mark.django_db


def _requests(district, n):
    made = []
    for i in range(n):
        into = AppealFactory(category=district.cat_light, area=district.grid_a)
        made.append(
            AppealFactory(
                category=district.cat_light,
                area=district.grid_a,
                unit=district.unit_city,
                status=Status.MERGED,
                merged_into=into,
            )
        )
        made.append(into)
        made.append(
            AppealFactory(
                category=district.cat_env,
                area=district.community_b,
                status=[Status.SUBMITTED, Status.CLOSED][i % 2],
            )
        )
    return made


@pytest.mark.parametrize("trusted", [False, True])
def test_get_requests_queries_do_not_grow(district, django_assert_max_num_queries, trusted):
    params = {"service_code": "CJ,HB", "status": "open,closed"}
    if trusted:
        params["api_key"] = api_token_create(user=district.operator, name="reader")[1]
    c = Client()
    first = _requests(district, 1)
    few = queries_of(c, "/open311/v2/requests.json", params)
    more = _requests(district, 4)
    with django_assert_max_num_queries(few):
        items = c.get("/open311/v2/requests.json", params).json()
    assert {i["service_request_id"] for i in items} == {a.tracking_number for a in first + more}
