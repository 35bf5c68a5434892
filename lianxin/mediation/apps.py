from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _sweep_mediation() -> None:
    from .tasks import sweep_deadlines

    sweep_deadlines()


class MediationConfig(AppConfig):
    name = "lianxin.mediation"
    label = "mediation"
    verbose_name = _("矛盾纠纷调解")

    def ready(self) -> None:
        from lianxin.core import startup

        startup.register_periodic(_sweep_mediation)  # `lianxin serve` without a broker
        from .kpis import register

        register()  # mediation indicators, in supervision's indicator registry
        from lianxin.core import retention

        from .retention import KIND

        retention.register(KIND)  # parties' details on finished cases
