from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "lianxin.supervision"
    label = "supervision"

    def ready(self) -> None:
        from .models import AssessmentScheme
        from .selectors import active_schemes

        active_schemes.connect(AssessmentScheme)
