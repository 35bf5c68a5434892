"""A masked phone cannot be recovered by searching (issue 10, defect 2): search by phone only for
the roles that may see phones, by the exact number only, rate-limited and audited."""

from __future__ import annotations

import pytest
from django.test import Client

from lianxin.audit.models import AuditEntry
from tests.api.conftest import Api
from tests.appeals import helpers

pytestmark = pytest.mark.django_db

PHONE = "13812340274"


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def appeal(district):
    return helpers.submit(district, contact_phone=PHONE, text=f"幸福小区路灯坏了，请联系我 {PHONE}，谢谢。")


def _queue(user, q: str):
    return _client(user).get("/staff/queue/all/", {"q": q})


def test_a_grid_worker_cannot_search_by_phone_or_its_digits(district, appeal):
    for q in (PHONE, "138 1234 0274", "0274", "12340274", "1381234"):
        r = _queue(district.grid_worker_a, q)
        assert r.status_code == 200, q
        assert appeal.tracking_number not in r.content.decode(), q
        assert "不能按" in r.content.decode()
    api = Api()
    for q in (PHONE, "0274"):
        r = api.get("/appeals", user=district.grid_worker_a, q=q)
        assert r.status_code == 403
        assert appeal.tracking_number not in r.content.decode()
    # the case itself is visible to the grid worker: it is only the search that is refused
    assert appeal.tracking_number in _queue(district.grid_worker_a, "路灯").content.decode()


def test_roles_that_see_phones_find_by_the_exact_number_only(district, appeal):
    for user in (district.dispatcher, district.operator, district.supervisor):
        assert appeal.tracking_number in _queue(user, PHONE).content.decode()
        assert appeal.tracking_number in _queue(user, "138-1234-0274").content.decode()
        assert appeal.tracking_number not in _queue(user, "13812340275").content.decode()
    api = Api()
    assert appeal.tracking_number in api.get("/appeals", user=district.dispatcher, q=PHONE).content.decode()


def test_every_phone_search_is_audited_without_the_number(district, appeal):
    before = AuditEntry.objects.filter(object_type="phone_search").count()
    _queue(district.dispatcher, PHONE)
    entries = list(AuditEntry.objects.filter(object_type="phone_search").order_by("seq"))
    assert len(entries) == before + 1
    entry = entries[-1]
    assert entry.actor_id == district.dispatcher.pk
    assert entry.object_id == "138****0274"
    assert PHONE not in str(entry.data)
    assert entry.data["purpose"] == "search"


def test_phone_searches_are_rate_limited(district, appeal, settings):
    settings.LIANXIN = {**settings.LIANXIN, "PHONE_SEARCH_RATE": "3/h"}
    for _ in range(3):
        assert _queue(district.dispatcher, PHONE).status_code == 200
    r = _queue(district.dispatcher, PHONE)
    assert r.status_code == 429
    assert int(r["Retry-After"]) > 0
    # another user has their own allowance
    assert _queue(district.operator, PHONE).status_code == 200


def test_hotline_history_is_exact_and_audited(district, appeal):
    c = _client(district.operator)
    html = c.get("/staff/hotline/similar/", {"contact_phone": PHONE}).content.decode()
    assert appeal.tracking_number in html
    assert (
        appeal.tracking_number
        not in c.get("/staff/hotline/similar/", {"contact_phone": "1381234027"}).content.decode()
    )
    assert AuditEntry.objects.filter(object_type="phone_search", data__purpose="hotline_history").exists()
