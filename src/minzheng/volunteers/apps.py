from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    """The volunteer registration system (models.py). Subscribes to eldercare's booking_served to
    credit hours served by volunteer workers of a team's provider; publishes nothing."""

    name = "minzheng.volunteers"
    label = "volunteers"
    verbose_name = _("志愿服务")

    def ready(self):
        from minzheng.eldercare.signals import booking_served
        from minzheng.web import nav, widgets

        from .permissions import is_resident, may_read
        from .services import on_booking_served
        from .views import approvals_widget_context, card_widget_context

        booking_served.connect(on_booking_served, dispatch_uid="volunteers_credit_booking")
        nav.register(
            _("志愿服务"),
            "volunteers:index",
            prefix="/volunteers/",
            order=53,
            visible=may_read,
            group="governance",
        )
        nav.register(
            _("我的志愿服务"),
            "volunteers:mine",
            prefix="/volunteers/mine/",
            order=53,
            visible=lambda user: is_resident(user) and not may_read(user),
            group="governance",
        )
        widgets.register("volunteers/_approvals_widget.html", approvals_widget_context, order=35)
        widgets.register("volunteers/_card_widget.html", card_widget_context, order=35)
