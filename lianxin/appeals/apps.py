from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "lianxin.appeals"
    label = "appeals"
    verbose_name = _("群众诉求")

    def ready(self) -> None:
        from lianxin.core import retention
        from lianxin.core.ops.metrics import register_scrape

        from .metrics import scrape
        from .retention import KIND

        register_scrape(scrape)
        retention.register(KIND)
