from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def get(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, key)


@register.filter
def may_see_any_coverage(user: Any) -> bool:
    """Whether the coverage board (走访覆盖) would show this user anything: the tab is offered only then."""
    from lianxin.outreach.policy import coverage_area_paths

    return coverage_area_paths(user) != ()
