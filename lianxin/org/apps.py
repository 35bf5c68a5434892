from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "lianxin.org"
    label = "org"
    verbose_name = _("组织与区域")

    def ready(self) -> None:
        from . import directory

        directory.connect()
