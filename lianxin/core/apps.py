from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lianxin.core"
    label = "core"

    def ready(self) -> None:
        # Create the Celery app whenever Django starts, so that shared tasks bind to it.
        from celery.signals import task_failure

        import lianxin.celery  # noqa: F401

        from .ops.metrics import TASK_FAILURES

        def _count_failure(sender: object = None, **kwargs: object) -> None:
            TASK_FAILURES.labels(getattr(sender, "name", "unknown")).inc()

        task_failure.connect(_count_failure, weak=False)
