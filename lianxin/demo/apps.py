from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "lianxin.demo"
    label = "demo"
