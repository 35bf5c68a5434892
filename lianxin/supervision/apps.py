from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "lianxin.supervision"
    label = "supervision"
