"""System checks: a year whose holiday schedule nobody knows is not silently counted Mon–Fri.

`lianxin check` warns whenever this year's schedule is missing, or next year's from 1 December;
`lianxin check --deploy` (what a production host runs) turns that into an error when DEBUG is off,
so a production check fails until an administrator enters the schedule at /admin/ (日历调整) or the
calendar package is upgraded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.db import DatabaseError
from django.utils import timezone

from . import calendar

_HINT = (
    "在管理后台“工作日历 › 日历调整”录入该年的法定节假日和调休上班日，或升级 chinesecalendar 包。"
    " Enter the year's holidays and adjusted working days at /admin/worktime/calendarday/, "
    "or upgrade the chinesecalendar package."
)


def _missing() -> list[int] | None:
    try:
        return calendar.missing_schedules(timezone.localdate())
    except DatabaseError:  # before the first migrate: nothing to tell yet
        return None


def _message(years: Sequence[int]) -> str:
    named = "、".join(str(y) for y in years)
    return (
        f"工作日历缺少 {named} 年的节假日安排：这些年份的期限将只按周一至周五计算。"
        f" The holiday schedule for {named} is missing: deadlines in it count Monday to Friday only."
    )


def calendar_schedule(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[checks.CheckMessage]:
    years = _missing()
    if not years:
        return []
    return [checks.Warning(_message(years), hint=_HINT, id="worktime.W001")]


def calendar_schedule_deploy(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[checks.CheckMessage]:
    years = _missing()
    if not years or settings.DEBUG:
        return []
    return [checks.Error(_message(years), hint=_HINT, id="worktime.E001")]


def register() -> None:
    checks.register(calendar_schedule, "lianxin")
    checks.register(calendar_schedule_deploy, "lianxin", deploy=True)
