from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FuneralConfig(AppConfig):
    name = "minzheng.funeral"
    label = "funeral"
    verbose_name = _("殡葬管理")

    def ready(self):
        from django.utils.translation import gettext_noop

        from minzheng.assistance.params import ProgrammeSpec, register_paid_programme
        from minzheng.web import nav, widgets

        from . import indicators  # noqa: F401 - registers the computed targets
        from .permissions import may_see
        from .views import bureau_widget_context, home_widget_context

        # The funeral grant is paid as a one-off payable under this programme code.
        register_paid_programme(ProgrammeSpec("funeral_grant", gettext_noop("丧葬补助"), "one_off"))
        nav.register(
            _("殡葬管理"),
            "funeral:index",
            prefix="/funeral/",
            order=48,
            visible=may_see,
            group="affairs",
        )
        widgets.register("funeral/_home_widget.html", home_widget_context, order=6)
        widgets.register("funeral/_bureau_widget.html", bureau_widget_context, order=36)
