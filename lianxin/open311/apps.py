from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "lianxin.open311"
    label = "open311"
