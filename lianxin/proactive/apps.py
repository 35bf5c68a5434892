from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _propose() -> None:
    """Once a day: the scheduler thread calls every few minutes, detection reads months of appeals."""
    from django.core.cache import cache
    from django.utils import timezone

    from .services import proposals_generate

    if cache.add(f"proactive:proposed:{timezone.localdate():%Y%m%d}", 1, 26 * 3600):
        proposals_generate()


class ProactiveConfig(AppConfig):
    name = "lianxin.proactive"
    label = "proactive"
    verbose_name = _("主动治理")

    def ready(self) -> None:
        from lianxin.core import startup

        startup.register_periodic(_propose)  # `lianxin serve` without a broker
        from lianxin.core import retention

        from .retention import KIND

        retention.register(KIND)  # subscriptions by verified phone
