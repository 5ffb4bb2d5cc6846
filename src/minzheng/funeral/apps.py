from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FuneralConfig(AppConfig):
    name = "minzheng.funeral"
    label = "funeral"
    verbose_name = _("殡葬管理")
