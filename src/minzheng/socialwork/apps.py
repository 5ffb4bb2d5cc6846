from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialWorkConfig(AppConfig):
    name = "minzheng.socialwork"
    label = "socialwork"
    verbose_name = _("社会工作")
