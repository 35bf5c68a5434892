from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "lianxin.learning"
    label = "learning"
    verbose_name = _("干部学习中心")
