"""Template helpers for the web interface: the header's navigation context and small filters."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from lianxin.appeals.policy import may_take_hotline_calls
from lianxin.appeals.suggestion_reasons import reason_lines
from lianxin.notifications.selectors import unread_count
from lianxin.org.selectors import scope_of
from lianxin.supervision import policy as supervision_policy

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_context(context: template.Context) -> dict[str, Any]:
    """What the header shows for the current user (cached on the request). Each link asks the rule
    of the view it leads to, so the nav never offers a page that answers 403."""
    request: HttpRequest | None = context.get("request")
    if request is None:
        return {"staff": False}
    cached: dict[str, Any] | None = getattr(request, "_lianxin_nav", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    nav: dict[str, Any] = {
        "staff": False,
        "supervision": False,
        "admin": False,
        "hotline": False,
        "unread": 0,
    }
    if user is not None and user.is_authenticated:
        scope = scope_of(user)
        nav["staff"] = scope.is_staff_member  # the workbench's `staff_required`
        nav["supervision"] = supervision_policy.may_oversee(user)  # the dashboard's `require_overseer`
        # a unit's leader oversees no area but sees their unit's cadres
        nav["cadres"] = not nav["supervision"] and supervision_policy.may_see_cadres(user)
        nav["admin"] = user.is_active and user.is_staff  # what the admin site itself lets in
        nav["hotline"] = may_take_hotline_calls(scope)  # the hotline views' own rule
        nav["unit_dashboard"] = supervision_policy.may_see_unit_dashboard(user)  # `require_unit_member`
        if nav["staff"]:
            nav["unread"] = unread_count(user.pk)
    request._lianxin_nav = nav  # type: ignore[attr-defined]
    return nav


@register.simple_tag(takes_context=True)
def elderly_mode(context: template.Context) -> bool:
    request: HttpRequest | None = context.get("request")
    return bool(request is not None and request.COOKIES.get("lx_elderly") == "1")


@register.filter
def control(field: Any) -> str:
    """Render a bound field's widget, linked to its help text and error by aria-describedby."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    attrs: dict[str, Any] = {}
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    if field.errors:
        attrs["aria-invalid"] = "true"
    html: str = field.as_widget(attrs=attrs)
    return html


@register.filter
def suggestion_reasons(suggestion: Any) -> list[str]:
    """A stored dispatch suggestion's reasons, each a line in the page's language."""
    return reason_lines(suggestion if isinstance(suggestion, dict) else None)


@register.filter
def pct(value: Any) -> str:
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return "—"


# Labels and notes the system writes into events in the language of the moment (actors, automatic
# steps): shown in the reader's language. Anything else in an event is user data, shown as written.
SYSTEM_TEXTS = frozenset({"群众", "系统", "智能分析", "自动派单", "派单目录唯一匹配，自动派单"})


@register.filter
def system_text(value: Any) -> str:
    from django.utils.translation import gettext

    text = str(value or "")
    return gettext(text) if text in SYSTEM_TEXTS else text


@register.filter
def field_kind(kind: Any) -> str:
    """A grid worker's record kind (现场核查, 现场照片, 备注, 回告) in the reader's language."""
    from lianxin.appeals.actions.field import FIELD_KIND_LABELS

    return str(FIELD_KIND_LABELS.get(str(kind), kind))


@register.filter
def reply_result(value: Any) -> str:
    """A reply's result type (解决, 部分解决, 未解决, 解释说明) in the reader's language ("" when none)."""
    from lianxin.appeals.models import ReplyResult

    return str(ReplyResult(value).label) if value in ReplyResult.values else ""
