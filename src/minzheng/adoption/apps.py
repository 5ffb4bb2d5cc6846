"""Adoption registration (收养登记): see models.py and docs/DOMAIN.md §12.2."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdoptionConfig(AppConfig):
    name = "minzheng.adoption"
    label = "adoption"
    verbose_name = _("收养登记")

    def ready(self):
        from minzheng.web import nav, widgets

        from . import indicators  # noqa: F401  (registers @computes)
        from .permissions import may_read, may_see_statistics
        from .views import registrar_widget_context

        nav.register(
            _("收养登记"),
            "adoption:index",
            prefix="/adoption/",
            order=63,
            visible=may_read,
            group="affairs",
        )
        nav.register(
            _("收养登记统计"),
            "adoption:statistics",
            prefix="/adoption/statistics/",
            order=64,
            visible=lambda user: may_see_statistics(user) and not may_read(user),
            group="affairs",
        )
        widgets.register("adoption/_registrar_widget.html", registrar_widget_context, order=15)
