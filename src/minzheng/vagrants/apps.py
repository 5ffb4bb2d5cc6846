from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VagrantsConfig(AppConfig):
    name = "minzheng.vagrants"
    label = "vagrants"
    verbose_name = _("流浪乞讨人员救助")

    def ready(self):
        from minzheng.web import nav, widgets

        from .permissions import may_see
        from .selectors import widget_context

        nav.register(
            _("流浪乞讨人员救助"), "vagrants:index", prefix="/vagrants/", order=47, visible=may_see
        )
        widgets.register("vagrants/_widget.html", widget_context, order=22)
