"""The kinds of warning rule (预警) and the texts a raised warning carries.

A warning stores its text in Chinese (the template's msgid filled in); `warning_message` reads the
parameters back and shows it in the reader's language. Kept apart from `alerts` (the evaluation)
so that `models` can use it without an import cycle.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .models import RaisedWarning


class RuleKind(models.TextChoices):
    APPEAL_DUE_SOON = "appeal_due_soon", _("诉求即将超期")
    APPEAL_OVERDUE = "appeal_overdue", _("诉求已超期")
    APPEAL_REOPENED = "appeal_reopened", _("诉求多次重办")
    UNIT_SATISFACTION_LOW = "unit_satisfaction_low", _("单位满意率偏低")
    UNIT_OVERDUE_HIGH = "unit_overdue_high", _("单位超期件偏多")
    CATEGORY_SURGE = "category_surge", _("某类诉求激增")
    CADRE_VISITS_OVERDUE = "cadre_visits_overdue", _("干部走访超期")  # raised by outreach's coverage sweep


# Message templates by rule kind, first match wins when reading a stored message back.
DUE_SOON = gettext_noop("{number} 将于 {due} 到期")
OVERDUE = gettext_noop("{number} 已超过办结时限（{due}）")
OVERDUE_NO_DUE = gettext_noop("{number} 已超过办结时限")
REOPENED = gettext_noop("{number} 已重办 {n} 次")
SATISFACTION_LOW = gettext_noop("近 {days} 天满意率 {rate}%，低于 {floor}%（{rated} 件评价）")
OVERDUE_HIGH = gettext_noop("近 {days} 天超期 {n} 件，超过 {ceiling} 件")
SURGE = gettext_noop("{area}「{category}」近 7 天 {count} 件，前 4 周周均 {baseline} 件")
VISITS_OVERDUE = gettext_noop("{cadre} 联系的 {n} 户已超过走访周期（预警线 {ceiling} 户）")
MESSAGES: dict[str, tuple[str, ...]] = {
    RuleKind.APPEAL_DUE_SOON: (DUE_SOON,),
    RuleKind.APPEAL_OVERDUE: (OVERDUE, OVERDUE_NO_DUE),
    RuleKind.APPEAL_REOPENED: (REOPENED,),
    RuleKind.UNIT_SATISFACTION_LOW: (SATISFACTION_LOW,),
    RuleKind.UNIT_OVERDUE_HIGH: (OVERDUE_HIGH,),
    RuleKind.CATEGORY_SURGE: (SURGE,),
    RuleKind.CADRE_VISITS_OVERDUE: (VISITS_OVERDUE,),
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _raised(template: str, **params: Any) -> str:
    """The stored text: the template's Chinese msgid itself, whatever language is active."""
    return template.format(**params)


raised_message = _raised  # for the apps that push warnings (`alerts.sync_period_warnings`)


@lru_cache(maxsize=32)
def _reader(template: str) -> re.Pattern[str]:
    """A pattern that reads the parameters back out of a text made from `template`."""
    parts, last = [], 0
    for m in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[last : m.start()]))
        parts.append(f"(?P<{m.group(1)}>.+?)")
        last = m.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts), re.DOTALL)


def message_params(kind: str, message: str) -> tuple[str, dict[str, str]] | None:
    """The template and parameters a stored message was made from (None: no template matches)."""
    for template in MESSAGES.get(kind, ()):
        m = _reader(template).fullmatch(message)
        if m is not None:
            return template, m.groupdict()
    return None


def warning_message(warning: RaisedWarning) -> str:
    """The warning's text in the active language (the stored text when it cannot be read back)."""
    found = message_params(warning.rule.kind, warning.message)
    if found is None:
        return warning.message
    template, params = found
    try:
        return gettext(template).format(**params)
    except (KeyError, IndexError, ValueError):  # a translation with broken placeholders
        return warning.message
