from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lianxin.core"
    label = "core"

    def ready(self) -> None:
        # Create the Celery app whenever Django starts, so that shared tasks bind to it.
        import lianxin.celery  # noqa: F401
