from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorktimeConfig(AppConfig):
    name = "lianxin.worktime"
    label = "worktime"
    verbose_name = _("工作日历")

    def ready(self) -> None:
        from . import checks

        checks.register()
