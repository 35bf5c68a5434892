from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _sweep_activities() -> None:
    from .tasks import sweep

    sweep()


class ActivitiesConfig(AppConfig):
    name = "lianxin.activities"
    label = "activities"
    verbose_name = _("社区活动与志愿服务")

    def ready(self) -> None:
        from lianxin.core import startup

        startup.register_periodic(_sweep_activities)  # `lianxin serve` without a broker
        from .kpis import register

        register()  # community-life indicators, in supervision's indicator registry
        from lianxin.core import retention

        from .retention import KINDS

        for kind in KINDS:  # phone sign-ups, wishes' contacts
            retention.register(kind)
