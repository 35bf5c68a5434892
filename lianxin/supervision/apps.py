from django.apps import AppConfig


def _periodic_refresh() -> None:
    from .tasks import periodic_refresh

    periodic_refresh()


class SupervisionConfig(AppConfig):
    name = "lianxin.supervision"
    label = "supervision"

    def ready(self) -> None:
        from lianxin.core import startup

        from .models import AssessmentScheme, SchemeIndicatorWeight
        from .selectors import active_schemes

        active_schemes.connect(AssessmentScheme)
        active_schemes.connect(SchemeIndicatorWeight)  # the schemes are kept with their indicator weights
        startup.register_periodic(_periodic_refresh)  # `lianxin serve` without a broker, after the sweep
