from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpecialCareConfig(AppConfig):
    name = "minzheng.specialcare"
    label = "specialcare"
    verbose_name = _("优抚对象")

    def ready(self):
        from minzheng.web import nav, widgets

        from . import indicators  # noqa: F401  (registers the @computes of 15.2–15.5)
        from .permissions import may_read
        from .quality import register_roster_rules
        from .views import approver_widget_context

        register_roster_rules()
        nav.register(
            _("优抚对象"), "specialcare:index", prefix="/specialcare/", order=49, visible=may_read
        )
        widgets.register("specialcare/_approver_widget.html", approver_widget_context, order=16)
