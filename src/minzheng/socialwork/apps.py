from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialWorkConfig(AppConfig):
    name = "minzheng.socialwork"
    label = "socialwork"
    verbose_name = _("社会工作")

    def ready(self):
        from minzheng.web import nav, widgets

        from .permissions import is_organisation, may_use
        from .views import (
            milestones_widget_context,
            organisation_widget_context,
            review_widget_context,
        )

        nav.register(
            _("社会工作"),
            "socialwork:index",
            prefix="/socialwork/",
            order=54,
            visible=may_use,
            group="governance",
        )
        nav.register(
            _("公益创投"),
            "socialwork:mine",
            prefix="/socialwork/mine/",
            order=54,
            visible=is_organisation,
            group="governance",
        )
        widgets.register("socialwork/_milestones_widget.html", milestones_widget_context, order=40)
        widgets.register("socialwork/_review_widget.html", review_widget_context, order=40)
        widgets.register(
            "socialwork/_organisation_widget.html", organisation_widget_context, order=20
        )
