from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlaceNamesConfig(AppConfig):
    """The second national place-name census: the census database of the eleven classes, the
    pinyin check, the review queue (entered → checked → approved → published), import and export
    in the exchange format, the map, boundary joint inspections and county self-checks
    (docs/DOMAIN.md §13, docs/PLACENAMES.md)."""

    name = "minzheng.placenames"
    label = "placenames"
    verbose_name = _("地名普查")

    def ready(self):
        from minzheng.web import nav, widgets

        from . import indicators  # noqa: F401  (registers the computed targets 8.1–8.4)
        from .permissions import may_read
        from .views import widget_context

        nav.register(
            _("地名普查"),
            "placenames:index",
            prefix="/placenames/",
            order=60,
            visible=may_read,
            group="registry",
        )
        nav.register(
            _("地名地图"),
            "placenames:map",
            prefix="/placenames/map/",
            order=61,
            visible=may_read,
            group="registry",
        )
        widgets.register("placenames/_widget.html", widget_context, order=30)
