from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "minzheng.community"
    label = "community"
    verbose_name = _("社区治理")

    def ready(self):
        from minzheng.web import nav, widgets

        from .permissions import is_resident, may_use_community
        from .views import (
            confirm_widget_context,
            register_widget_context,
            resident_widget_context,
            village_widget_context,
        )

        nav.register(
            _("社区治理"),
            "community:index",
            prefix="/community/",
            order=55,
            visible=may_use_community,
            group="governance",
        )
        nav.register(
            _("我的积分"),
            "community:me",
            prefix="/community/me/",
            order=55,
            visible=lambda user: is_resident(user),
            group="governance",
        )
        widgets.register("community/_village_widget.html", village_widget_context, order=25)
        widgets.register("community/_confirm_widget.html", confirm_widget_context, order=25)
        widgets.register("community/_register_widget.html", register_widget_context, order=35)
        widgets.register("community/_resident_widget.html", resident_widget_context, order=25)
