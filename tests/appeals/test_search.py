"""The free-text search (`selectors.text_search_q`): the same appeals as the plain `icontains` scan
it replaced, on SQLite and PostgreSQL, and on PostgreSQL the trigram indexes that serve it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q

from lianxin.appeals.models import Appeal
from lianxin.appeals.selectors import text_search_q

from ..factories import AppealFactory

pytestmark = pytest.mark.django_db

ROWS = {
    "light": ("小区路灯不亮了", "幸福小区3栋门口的路灯坏了一个多月，晚上很黑。"),
    "noise": ("夜间施工噪音", "工地凌晨还在打桩，噪音扰民。"),
    "wifi": ("社区WiFi信号差", "图书馆的 WiFi 经常断线。"),
    "etc": ("ETC扣费有误", "高速 etc 重复扣费。"),
    "percent": ("水费上涨50%", "水费一下子涨了50%，请解释。"),
    "underscore": ("网站账号a_b无法登录", "登录名 a_b 提示不存在。"),
    "plain": ("咨询养老保险", "单位没有缴纳社保应该找哪个部门？"),
}

QUERIES = [
    "灯",
    "噪音",
    "路灯不",
    "路灯不亮了",  # Chinese, 1, 2, 3 and 5 characters
    "wifi",
    "WIFI",
    "WiFi",
    "Wi",
    "etc",
    "ETC扣费",  # Latin, any case, mixed with Chinese
    "50%",
    "%",
    "_",
    "a_b",
    "a%b",
    "ab",  # % and _ are literal
    "3栋",
    "50",
    "社保应该",
    "不存在的内容",
]


@pytest.fixture
def appeals() -> dict[str, Appeal]:
    return {key: AppealFactory(title=title, text=text) for key, (title, text) in ROWS.items()}


def _keys(appeals: dict[str, Appeal], q: Q) -> set[str]:
    found = set(Appeal.objects.filter(q).values_list("pk", flat=True))
    return {key for key, appeal in appeals.items() if appeal.pk in found}


@pytest.mark.parametrize("query", QUERIES)
def test_same_appeals_as_the_icontains_scan(appeals, query):
    old = Q(title__icontains=query) | Q(text__icontains=query)
    assert _keys(appeals, text_search_q(query)) == _keys(appeals, old)


def test_expected_matches(appeals):
    def found(query: str) -> set[str]:
        return _keys(appeals, text_search_q(query))

    assert found("路灯") == {"light"}
    assert found("灯") == {"light"}
    assert found("路灯不亮了") == {"light"}
    assert found("wifi") == found("WIFI") == {"wifi"}
    assert found("ETC") == found("etc") == {"etc"}
    assert found("50%") == {"percent"}
    assert found("%") == {"percent"}  # literal, not "anything"
    assert found("a_b") == {"underscore"}
    assert found("_") == {"underscore"}
    assert found("ab") == set()  # "_" is not a wildcard either
    assert found("  噪音 ") == {"noise"}
    assert found("不存在的内容") == set()


@pytest.mark.parametrize("query", ["20260101", "lx2026", "-000", "wifi", "路灯", "LX20260101-0"])
def test_with_tracking_number_same_as_the_old_api_query(appeals, query):
    old = Q(tracking_number__icontains=query) | Q(title__icontains=query) | Q(text__icontains=query)
    assert _keys(appeals, text_search_q(query, tracking_number=True)) == _keys(appeals, old)


def test_tracking_number_fragment(appeals):
    wifi = appeals["wifi"]
    found = _keys(appeals, text_search_q(wifi.tracking_number[-7:].lower(), tracking_number=True))
    assert found == {"wifi"}
    assert _keys(appeals, text_search_q(wifi.tracking_number[-7:])) == set()  # title and text only


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_trgm and its indexes exist only on PostgreSQL"
)


@postgres_only
def test_trigram_indexes_exist_after_migrations():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = 'appeals_appeal' AND indexname LIKE %s",
            ["%trgm"],
        )
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {"appeal_title_trgm", "appeal_text_trgm", "appeal_tracking_trgm"}
    assert all("gin_trgm_ops" in definition for definition in indexes.values())


@postgres_only
@pytest.mark.parametrize("query", ["路灯不亮", "wifi", "WiFi信号", "50%水费"])
def test_a_query_of_three_characters_or_more_can_use_the_indexes(appeals, query):
    """The indexes match the expressions the search generates (LIKE on the bare column for
    uncased queries, ILIKE otherwise). The test table is tiny, so sequential and plain index scans
    are turned off for the transaction, leaving only a bitmap scan of an index whose expression
    matches; at a million appeals the planner picks the indexes itself (docs/benchmarks.md)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = Appeal.objects.filter(text_search_q(query, tracking_number=True)).order_by().explain()
    assert "appeal_title_trgm" in plan, plan
    assert "appeal_text_trgm" in plan, plan
    assert ("appeal_tracking_trgm" in plan) == query.isascii(), plan
    assert "Seq Scan" not in plan, plan
