from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "lianxin.outreach"
    label = "outreach"
    verbose_name = _("联系服务群众")
