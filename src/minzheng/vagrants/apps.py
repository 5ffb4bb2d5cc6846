from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VagrantsConfig(AppConfig):
    name = "minzheng.vagrants"
    label = "vagrants"
    verbose_name = _("流浪乞讨人员救助")

    def ready(self):
        from django.utils.translation import gettext_noop

        from minzheng.assistance.params import ProgrammeSpec, register_paid_programme
        from minzheng.web import nav, widgets

        from .permissions import may_see
        from .selectors import widget_context

        # Journey-home tickets are paid as one-off payables under this programme code; the
        # payments pages name it.
        register_paid_programme(
            ProgrammeSpec("vagrant_journey", gettext_noop("流浪乞讨人员返乡救助"), "one_off")
        )
        nav.register(
            _("流浪乞讨人员救助"),
            "vagrants:index",
            prefix="/vagrants/",
            order=47,
            visible=may_see,
            group="affairs",
        )
        widgets.register("vagrants/_widget.html", widget_context, order=22)
