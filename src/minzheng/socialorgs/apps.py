from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialOrgsConfig(AppConfig):
    name = "minzheng.socialorgs"
    label = "socialorgs"
    verbose_name = _("社会组织")
