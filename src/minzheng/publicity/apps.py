"""Publicity submissions (宣传信息报送, plan item 25): counties and the bureau's units file what they
publish, the bureau office counts or rejects it (models.py, services.py), the monthly counts per
county and unit against their quotas, the targets 25.1–25.8 (indicators.py) and the weekly
digest's section of quota shortfalls (digest.py)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "minzheng.publicity"
    label = "publicity"
    verbose_name = _("宣传信息")

    def ready(self):
        from minzheng.targets import digest
        from minzheng.web import nav, widgets

        from . import indicators  # noqa: F401  (registers the computed targets)
        from .digest import quota_shortfalls
        from .permissions import may_view
        from .views import workbench_context

        nav.register(
            _("宣传信息"),
            "publicity:index",
            prefix="/publicity/",
            order=62,
            visible=may_view,
            group="supervision",
        )
        widgets.register("publicity/_widget.html", workbench_context, order=38)
        digest.register_section("quota_shortfalls", _("信息报送未达标"), quota_shortfalls, order=60)
