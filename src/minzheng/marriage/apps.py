"""Marriage registration (婚姻登记): see models.py and docs/DOMAIN.md §12.1."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarriageConfig(AppConfig):
    name = "minzheng.marriage"
    label = "marriage"
    verbose_name = _("婚姻登记")

    def ready(self):
        from minzheng.verification import platform
        from minzheng.web import nav, widgets

        from . import indicators  # noqa: F401  (registers @computes)
        from .feeds import marriage_rows
        from .permissions import is_resident, may_read_records, may_see_statistics
        from .views import registrar_widget_context, resident_widget_context

        # The verification engine's `marriage` source is fed from these records.
        platform.register_source("marriage", marriage_rows)
        nav.register(
            _("婚姻登记"),
            "marriage:index",
            prefix="/marriage/",
            order=60,
            visible=may_read_records,
            group="affairs",
        )
        nav.register(
            _("婚姻登记统计"),
            "marriage:statistics",
            prefix="/marriage/statistics/",
            order=61,
            visible=lambda user: may_see_statistics(user) and not may_read_records(user),
            group="affairs",
        )
        nav.register(
            _("婚姻登记预约"),
            "marriage:book",
            prefix="/marriage/book/",
            order=62,
            visible=is_resident,
            group="affairs",
        )
        widgets.register("marriage/_registrar_widget.html", registrar_widget_context, order=14)
        widgets.register("marriage/_resident_widget.html", resident_widget_context, order=40)
