from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EldercareConfig(AppConfig):
    name = "minzheng.eldercare"
    label = "eldercare"
    verbose_name = _("居家养老服务")

    def ready(self):
        from .allowance import register_calculator

        register_calculator()

        from minzheng.complaints import sources, subjects

        from .selectors import get_booking, get_provider

        # Complaints about a booking or a provider in the platform's register.
        subjects.register(
            "eldercare.booking",
            _("居家养老服务预约"),
            subjects.scoped(get_booking, "eldercare:booking_detail", lambda b: b.number),
        )
        subjects.register(
            "eldercare.provider",
            _("居家养老服务机构"),
            subjects.scoped(get_provider, "eldercare:provider_detail", lambda p: p.name),
        )
        # Booking complaints keep their effect on settlement here; the register lists them.
        from .views import complaint_source_rows

        sources.register("eldercare", _("居家养老服务投诉"), complaint_source_rows, order=30)
        from minzheng.web import nav, widgets

        from .selectors import provider_of
        from .views import community_widget_context, may_see_elderly, provider_widget_context

        nav.register(
            _("养老服务"),
            "eldercare:index",
            prefix="/eldercare/",
            order=50,
            visible=may_see_elderly,
        )
        nav.register(
            _("预约服务"),
            "eldercare:book",
            prefix="/eldercare/book/",
            order=50,
            visible=lambda user: user.role == "resident",
        )
        nav.register(
            _("服务订单"),
            "eldercare:board",
            prefix="/eldercare/board/",
            order=50,
            visible=lambda user: provider_of(user) is not None,
        )
        widgets.register("eldercare/_community_widget.html", community_widget_context, order=30)
        widgets.register("eldercare/_provider_widget.html", provider_widget_context, order=30)
