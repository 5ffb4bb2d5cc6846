from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepotsConfig(AppConfig):
    name = "minzheng.depots"
    label = "depots"
    verbose_name = _("救灾物资储备库")

    def ready(self):
        from minzheng.web import nav, widgets

        from .permissions import may_see
        from .selectors import pending_widget_context

        nav.register(
            _("救灾物资"),
            "depots:index",
            prefix="/depots/",
            order=47,
            visible=may_see,
            group="affairs",
        )
        widgets.register("depots/_pending_widget.html", pending_widget_context, order=12)
