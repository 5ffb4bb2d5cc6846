from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CharityConfig(AppConfig):
    name = "minzheng.charity"
    label = "charity"
    verbose_name = _("慈善事业")

    def ready(self):
        from minzheng.cases import timeline as case_timeline
        from minzheng.web import nav, widgets

        from . import indicators  # noqa: F401  (registers the computed targets)
        from .permissions import is_charity_account, may_oversee
        from .timeline import charity_payments
        from .views import charity_widget_context, oversight_widget_context

        nav.register(
            _("慈善捐赠"),
            "charity:index",
            prefix="/charity/",
            order=56,
            visible=lambda u: is_charity_account(u) or may_oversee(u),
            group="governance",
        )
        nav.register(
            _("慈善年度检查"),
            "charity:checks",
            prefix="/charity/checks/",
            order=57,
            visible=may_oversee,
            group="governance",
        )
        nav.register(
            _("慈善一日捐"),
            "charity:drives",
            prefix="/charity/drives/",
            order=58,
            visible=lambda u: is_charity_account(u) or may_oversee(u),
            group="governance",
        )
        widgets.register("charity/_charity_widget.html", charity_widget_context, order=4)
        widgets.register("charity/_oversight_widget.html", oversight_widget_context, order=37)
        case_timeline.register(charity_payments)
