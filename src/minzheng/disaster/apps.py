from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisasterConfig(AppConfig):
    name = "minzheng.disaster"
    label = "disaster"
    verbose_name = _("救灾")

    def ready(self):
        from django.utils.translation import gettext_noop

        from minzheng.assistance.params import ProgrammeSpec, register_paid_programme
        from minzheng.web import nav, widgets

        from .permissions import may_see
        from .selectors import approval_widget_context, overdue_widget_context

        # Relief is paid as one-off payables under this programme code; the payments pages name it.
        register_paid_programme(
            ProgrammeSpec("disaster_relief", gettext_noop("自然灾害生活救助"), "one_off")
        )
        nav.register(
            _("救灾"),
            "disaster:index",
            prefix="/disaster/",
            order=47,
            visible=may_see,
            group="affairs",
        )
        widgets.register("disaster/_overdue_widget.html", overdue_widget_context, order=24)
        widgets.register("disaster/_approval_widget.html", approval_widget_context, order=25)
