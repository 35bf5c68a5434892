from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "lianxin.opendata"
    label = "opendata"
    verbose_name = "开放数据"
