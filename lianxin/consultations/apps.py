from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "lianxin.consultations"
    label = "consultations"
    verbose_name = _("民主决策 · 征求意见")

    def ready(self) -> None:
        from .kpis import register

        register()  # consultation indicators, in supervision's indicator registry
