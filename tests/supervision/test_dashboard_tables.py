"""The dashboard's table bodies built in Python (`dashboard_tables`): the same cells the template
loops wrote, every text escaped."""

from __future__ import annotations

from django.template import Context, Template

from lianxin.supervision.templatetags.dashboard_tables import rank_change_text, ranking_rows, table_rows


def row(**overrides):
    base = {
        "key": 7,
        "label": "城管局",
        "rank": 1,
        "score": 88.25,
        "deductions": 1.5,
        "rank_change": 2,
        "score_change": -0.75,
        "response": 95.0,
        "resolution": None,
        "satisfaction": 90.1,
        "overdue": 3,
        "false_closures": 0,
    }
    return {**base, **overrides}


def cells(html: str) -> list[str]:
    return [part.split("</td>")[0] for part in html.split("<td>")[1:]]


def test_ranking_row_cells_in_column_order():
    html = ranking_rows([row()], "2026-05")
    assert cells(html) == [
        "1",
        '<a href="/supervision/drill/?figure=assigned&amp;period=2026-05&amp;unit=7">城管局</a>',
        "88.25",
        "↑2",
        "-0.75",
        "95.0",
        "—",
        "90.1",
        "3",
        "0",
        "1.5",
    ]


def test_street_rankings_have_no_link_and_unranked_rows_show_a_dash():
    html = ranking_rows(
        [row(rank=None, score=None, rank_change=None, score_change=None)], "2026-05", street=True
    )
    assert cells(html)[:5] == ["—", "城管局", "—", "—", "—"]


def test_rank_change_arrows():
    assert [rank_change_text(c) for c in (3, -4, 0, None)] == ["↑3", "↓4", "=", "—"]


def test_labels_and_values_are_escaped():
    html = ranking_rows([row(label="<script>alert(1)</script>")], '2026-05"><b>')
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b>" not in html
    body = table_rows([{"name": "<i>网格</i>", "value": None}, {"name": "A&B", "value": 12}], "name", "value")
    assert body == "<tr><td>&lt;i&gt;网格&lt;/i&gt;</td><td>—</td></tr><tr><td>A&amp;B</td><td>12</td></tr>"


def test_tags_from_a_template():
    template = Template('{% load dashboard_tables %}<tbody>{% table_rows rows "date" "received" %}</tbody>')
    html = template.render(Context({"rows": [{"date": "2026-05-01", "received": 4}]}))
    assert html == "<tbody><tr><td>2026-05-01</td><td>4</td></tr></tbody>"
