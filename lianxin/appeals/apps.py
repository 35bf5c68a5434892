from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _sweep_deadlines() -> None:
    from .sweeps import sweep_deadlines

    sweep_deadlines()


def _warm_up_triage() -> None:
    from .triage_bridge import warm_up_in_background

    warm_up_in_background()


class AppealsConfig(AppConfig):
    name = "lianxin.appeals"
    label = "appeals"
    verbose_name = _("群众诉求")

    def ready(self) -> None:
        from lianxin.core import partitions, retention, startup
        from lianxin.core.ops.metrics import register_scrape

        from .metrics import scrape
        from .retention import KIND

        startup.register_periodic(_sweep_deadlines)  # `lianxin serve` without a broker
        startup.register_warm_up(_warm_up_triage)
        register_scrape(scrape)
        retention.register(KIND)
        partitions.register(partitions.PartitionedTable("appeals_appealevent", "at"))
