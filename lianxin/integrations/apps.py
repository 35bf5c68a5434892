from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _sweep_deliveries() -> None:
    from .delivery import deliveries_sweep

    deliveries_sweep()


class IntegrationsConfig(AppConfig):
    name = "lianxin.integrations"
    label = "integrations"
    verbose_name = _("外部对接")

    def ready(self) -> None:
        from lianxin.appeals.hooks import register_event_listener
        from lianxin.core import startup

        from .services import on_appeal_event, on_appeal_events

        register_event_listener(on_appeal_event, many=on_appeal_events)
        startup.register_periodic(_sweep_deliveries)  # retries, in `lianxin serve` without a broker
