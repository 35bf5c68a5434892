"""`{{ warning|warning_text }}`: a raised warning's message in the reader's language."""

from __future__ import annotations

from django import template

from lianxin.supervision.alerts import warning_message
from lianxin.supervision.models import RaisedWarning

register = template.Library()


@register.filter
def warning_text(warning: RaisedWarning | None) -> str:
    return warning_message(warning) if warning is not None else ""
