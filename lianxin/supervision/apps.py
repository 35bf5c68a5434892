from django.apps import AppConfig


def _periodic_refresh() -> None:
    from .tasks import periodic_refresh

    periodic_refresh()


class SupervisionConfig(AppConfig):
    name = "lianxin.supervision"
    label = "supervision"

    def ready(self) -> None:
        from lianxin.core import startup

        from .models import AssessmentScheme
        from .selectors import active_schemes

        active_schemes.connect(AssessmentScheme)
        startup.register_periodic(_periodic_refresh)  # `lianxin serve` without a broker, after the sweep
