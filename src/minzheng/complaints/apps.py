from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    """The complaints and petitions register (信访/投诉): see models.py, and subjects.py and
    sources.py for how the other modules reach it."""

    name = "minzheng.complaints"
    label = "complaints"
    verbose_name = _("信访投诉")

    def ready(self):
        from minzheng.targets import digest
        from minzheng.web import nav, widgets

        from .digest import build_section
        from .permissions import is_resident, may_read
        from .views import widget_context

        nav.register(
            _("信访投诉"),
            "complaints:list",
            prefix="/complaints/",
            order=90,
            visible=may_read,
            group="voice",
        )
        nav.register(
            _("我的投诉"),
            "complaints:mine",
            prefix="/complaints/mine/",
            order=91,
            visible=is_resident,
        )
        widgets.register("complaints/_widget.html", widget_context, order=25)
        digest.register_section("complaints_due", _("到期信访"), build_section, order=40)
