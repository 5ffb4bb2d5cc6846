from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkageConfig(AppConfig):
    name = "minzheng.linkage"
    label = "linkage"
    verbose_name = _("扶贫与医保衔接")

    def ready(self):
        from minzheng.web import nav

        from .permissions import may_see

        nav.register(
            _("扶贫与医保衔接"),
            "linkage:index",
            prefix="/linkage/",
            order=46,
            visible=may_see,
            group="assistance",
        )
