from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlaceNamesConfig(AppConfig):
    name = "minzheng.placenames"
    label = "placenames"
    verbose_name = _("地名普查")
