from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarriageConfig(AppConfig):
    name = "minzheng.marriage"
    label = "marriage"
    verbose_name = _("婚姻登记")
