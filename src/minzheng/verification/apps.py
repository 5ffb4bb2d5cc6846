from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "minzheng.verification"
    label = "verification"
    verbose_name = _("家庭经济状况核对")
