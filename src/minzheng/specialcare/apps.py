from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpecialCareConfig(AppConfig):
    name = "minzheng.specialcare"
    label = "specialcare"
    verbose_name = _("优抚对象")
