"""The reasons of a dispatch suggestion, rendered in the page's language.

Triage stores what led to a suggestion as codes with parameters (`Suggestion.reasons`, kept in
`Appeal.suggestion["reasons"]`), never as text: a case page in English and one in Chinese read
the same record. Records written before the codes existed keep their Chinese text
(`suggestion["reason"]`) and show it as it is.

Codes: ``urgency`` (terms), ``model`` (category, name, confidence), ``leaf`` (the subcategory
below the model's that the text names: category, name, terms), ``catalogue`` (units, their
names, route: the routing engine's ``code`` and ``params`` with the rule's category and area
names), ``duplicates`` (tracking_numbers) and ``text`` (a part of an old record's reason, kept
when the record was rerouted). Names are stored with the codes, as data: rendering needs no query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

CATALOGUE = "catalogue"


def _join(items: Iterable[Any]) -> str:
    return pgettext("list separator", "、").join(str(i) for i in items)


def _route_detail(route: Mapping[str, Any], unit_names: Mapping[str, str]) -> str:
    code, params = route.get("code"), route.get("params") or {}
    if code == "tie":
        units = params.get("units") or []
        return _("{n} 个单位同样匹配，需人工选择").format(n=len(units))
    if code == "rule":
        category, area = params.get("category") or "*", params.get("area") or "*"
        detail = _("规则：{category} · {area} → {unit}").format(
            category=params.get("category_name") or (category if category != "*" else _("任意分类")),
            area=params.get("area_name") or (area if area != "*" else _("任意区域")),
            unit=unit_names.get(params.get("unit") or "", params.get("unit") or ""),
        )
        if params.get("note") == "often_returns":
            detail += _("，但该单位常退回此类诉求（得分 {score}）").format(score=params.get("score", ""))
        elif params.get("note") == "others_lower":
            detail += _("，同级其他单位退单较多，排在后面")
        return detail
    return ""


def _line(reason: Mapping[str, Any]) -> str:
    code = reason.get("code")
    if code == "urgency":
        return _("紧急词：{terms}").format(terms=_join(reason.get("terms") or []))
    if code == "model":
        confidence = float(reason.get("confidence") or 0.0)
        return _("分类模型：{category}（置信度 {confidence}）").format(
            category=reason.get("name") or reason.get("category") or "", confidence=f"{confidence:.0%}"
        )
    if code == "leaf":
        return _("细分类：{category}（文中提到：{terms}）").format(
            category=reason.get("name") or reason.get("category") or "",
            terms=_join(reason.get("terms") or []),
        )
    if code == CATALOGUE:
        units = [str(u) for u in reason.get("units") or []]
        unit_names = {str(k): str(v) for k, v in (reason.get("names") or {}).items()}
        line = _("派单目录：{units}").format(units=_join(unit_names.get(u, u) for u in units))
        detail = _route_detail(reason.get("route") or {}, unit_names)
        return line + (_("（{detail}）").format(detail=detail) if detail else "")
    if code == "duplicates":
        return _("疑似重复：{numbers}").format(numbers=_join(reason.get("tracking_numbers") or []))
    if code == "text":
        return str(reason.get("text") or "")
    return ""


def reason_lines(suggestion: Mapping[str, Any] | None) -> list[str]:
    """Each reason of a stored suggestion as a line in the active language (an old record's text
    as it was stored)."""
    suggestion = suggestion or {}
    reasons = suggestion.get("reasons")
    if isinstance(reasons, list):
        return [line for r in reasons if isinstance(r, Mapping) and (line := _line(r))]
    text = str(suggestion.get("reason") or "")
    return [text] if text else []


def reason_text(suggestion: Mapping[str, Any] | None) -> str:
    """The reasons as one line (the API's `suggestion.reason`)."""
    return pgettext("reason separator", "；").join(reason_lines(suggestion))
