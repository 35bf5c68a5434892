from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "lianxin.web"
    label = "web"
