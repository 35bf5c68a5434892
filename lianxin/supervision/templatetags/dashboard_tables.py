"""Table bodies of the dashboard's big tables (the 120-unit ranking, the 384-grid map), built in
Python: through the template engine each cell costs a variable lookup and a filter, ≈ 10 ms for
the unit ranking alone on a cold dashboard; here the whole body costs well under a millisecond.

Every value is escaped; None shows as "—"; numbers are written without localisation (the same
digits in every language, as in the rest of the figures fragment)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

NONE = "—"


def _cell(value: Any) -> str:
    return NONE if value is None else escape(value)


@register.simple_tag
def table_rows(rows: Iterable[Mapping[str, Any]], *keys: str) -> SafeString:
    """`{% table_rows rows "name" "value" %}`: one <tr> per row with a <td> per key."""
    return mark_safe(
        "".join("<tr>" + "".join(f"<td>{_cell(row.get(key))}</td>" for key in keys) + "</tr>" for row in rows)
    )


def rank_change_text(change: int | None) -> str:
    if change is None:
        return NONE
    if change > 0:
        return f"↑{change}"
    if change < 0:
        return f"↓{-change}"
    return "="


@register.simple_tag
def ranking_rows(rows: Iterable[Mapping[str, Any]], month_label: str, *, street: bool = False) -> SafeString:
    """The body of a ranking table (`dashboard.ranking_rows` dicts): a unit's name links to the
    appeals assigned to it in that month; a street's name is plain text."""
    drill = reverse("supervision:drill")
    month = escape(month_label)
    out = []
    for r in rows:
        label: str = escape(r["label"])
        if not street:
            label = (
                f'<a href="{drill}?figure=assigned&amp;period={month}&amp;unit={int(r["key"])}">{label}</a>'
            )
        cells = (
            _cell(r["rank"]),
            label,
            _cell(r["score"]),
            rank_change_text(r["rank_change"]),
            _cell(r["score_change"]),
            _cell(r["response"]),
            _cell(r["resolution"]),
            _cell(r["satisfaction"]),
            _cell(r["overdue"]),
            _cell(r["false_closures"]),
            _cell(r["deductions"]),
        )
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return mark_safe("\n".join(out))
