from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class UnitsConfig(AppConfig):
    name = "minzheng.units"
    label = "units"
    verbose_name = pgettext_lazy("nav", "单位")

    def ready(self):
        from minzheng.web import nav, widgets

        from .selectors import shows_units_menu
        from .views import workbench_context

        nav.register(
            pgettext_lazy("nav", "单位"),
            "units:index",
            prefix="/units/",
            order=61,
            visible=shows_units_menu,
            group="supervision",
        )
        widgets.register("units/_workbench.html", workbench_context, order=9)
