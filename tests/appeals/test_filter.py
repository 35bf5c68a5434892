"""`AppealFilter` and `appeals_filtered`: the one list filter of the queue, the API and Open311."""

from __future__ import annotations

import datetime as dt

import pytest

from lianxin.appeals.filters import AppealFilter, SearchStyle, area_paths, category_paths
from lianxin.appeals.models import Appeal, Status
from lianxin.appeals.selectors import appeals_filtered
from lianxin.core.errors import ForbiddenError
from lianxin.worktime.calendar import TZ
from tests.factories import AppealFactory

pytestmark = pytest.mark.django_db


def found(f, user=None):
    return set(appeals_filtered(Appeal.objects.all(), f, user=user).values_list("title", flat=True))


@pytest.fixture
def three(district):
    AppealFactory(
        title="light",
        category=district.cat_light,
        area=district.grid_a,
        status=Status.SUBMITTED,
        submitted_at=dt.datetime(2026, 5, 6, 23, 30, tzinfo=TZ),
    )
    AppealFactory(
        title="city",
        category=district.cat_city,
        area=district.community_a,
        status=Status.CLOSED,
        submitted_at=dt.datetime(2026, 5, 7, 0, 30, tzinfo=TZ),
    )
    AppealFactory(
        title="env",
        category=district.cat_env,
        area=district.grid_b,
        status=Status.SUBMITTED,
        submitted_at=dt.datetime(2026, 5, 8, 9, 0, tzinfo=TZ),
    )


def test_subtrees_of_categories_and_areas(district, three):
    assert found(AppealFilter(category_paths=category_paths(["CJ"]))) == {"light", "city"}
    assert found(AppealFilter(category_paths=category_paths(["CJ-LD", "HB"]))) == {"light", "env"}
    assert found(AppealFilter(area_paths=area_paths(["S1"]))) == {"light", "city"}
    assert found(AppealFilter(area_paths=area_paths(["G2"]))) == {"env"}


def test_none_filters_nothing_and_an_empty_tuple_finds_nothing(district, three):
    assert found(AppealFilter(category_paths=None)) == {"light", "city", "env"}
    assert category_paths(["NOPE"]) == ()
    assert found(AppealFilter(category_paths=category_paths(["NOPE"]))) == set()


def test_local_days_both_included_and_instants(district, three):
    assert found(AppealFilter(date_from=dt.date(2026, 5, 7), date_to=dt.date(2026, 5, 7))) == {"city"}
    assert found(AppealFilter(date_to=dt.date(2026, 5, 6))) == {"light"}
    assert found(AppealFilter(until=dt.datetime(2026, 5, 7, 0, 30, tzinfo=TZ))) == {"light", "city"}
    assert found(AppealFilter(since=dt.datetime(2026, 5, 7, 0, 31, tzinfo=TZ))) == {"env"}


def test_the_calendars_ends_need_no_bound(district, three):
    # date.max + 1 day and date.min at UTC+8 overflow: no bound, every appeal, never a 500
    assert found(AppealFilter(date_from=dt.date.min, date_to=dt.date.max)) == {"light", "city", "env"}


def test_statuses_and_fields(district, three):
    assert found(AppealFilter(statuses=(Status.SUBMITTED,), category_paths=category_paths(["HB"]))) == {"env"}


def test_the_two_search_styles(district, three):
    city = Appeal.objects.get(title="city")
    queue = AppealFilter(text=city.tracking_number.lower(), search=SearchStyle.QUEUE)
    assert found(queue, district.dispatcher) == {"city"}
    with pytest.raises(ForbiddenError):  # the queue refuses a phone search to a role without phones
        found(AppealFilter(text="13812341234", search=SearchStyle.QUEUE), district.handler_city)
    with pytest.raises(ForbiddenError):  # the API refuses digits alone
        found(AppealFilter(text="13812341234", search=SearchStyle.API), district.handler_city)
    # the API's text search also looks inside tracking numbers; the queue's only in title and text
    assert found(AppealFilter(text="lx", search=SearchStyle.API), district.admin) == {"light", "city", "env"}
    assert found(AppealFilter(text="lx", search=SearchStyle.QUEUE), district.admin) == set()


def test_a_text_search_needs_the_reader(district, three):
    with pytest.raises(ValueError, match="reader"):
        found(AppealFilter(text="light"))


def test_the_queue_page_survives_the_calendars_end(client, district, three):
    client.force_login(district.admin)
    response = client.get("/staff/queue/all/", {"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert response.status_code == 200  # not a 500
    assert all(a.tracking_number in response.content.decode() for a in Appeal.objects.all())
