from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _sweep_coverage() -> None:
    from .sweeps import sweep_coverage

    sweep_coverage()


class OutreachConfig(AppConfig):
    name = "lianxin.outreach"
    label = "outreach"
    verbose_name = _("联系服务群众")

    def ready(self) -> None:
        from lianxin.core import startup

        startup.register_periodic(_sweep_coverage)  # `lianxin serve` without a broker
        from .kpis import register

        register()  # the contact KPIs, in supervision's indicator registry
