from django.apps import AppConfig


class DeploymentConfig(AppConfig):
    """`lianxin deploy check`: a host verified against deploy/ (above the
    lower layers: it reads the calendar)."""

    name = "lianxin.deployment"
    label = "deployment"
