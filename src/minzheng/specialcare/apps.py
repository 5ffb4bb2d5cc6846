from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpecialCareConfig(AppConfig):
    name = "minzheng.specialcare"
    label = "specialcare"
    verbose_name = _("优抚对象")

    def ready(self):
        # ------------------------------------------------------------ benefits (优抚待遇)
        from minzheng.specialcare import (
            benefit_indicators,  # noqa: F401  (registers 15.1)
            benefits,
            quality,
            signals,
        )

        benefits.register_calculator()
        benefits.register_paid_programmes()
        signals.recipient_changed.connect(
            benefits.on_recipient_changed, dispatch_uid="specialcare.benefits.recipient_changed"
        )
        quality.register(benefits.PENSION_GRADE_RULE)
        from minzheng.web import nav, widgets

        from .benefit_selectors import may_see as may_see_benefits
        from .benefit_views import widget_context as benefits_widget_context

        nav.register(
            _("优抚待遇"),
            "specialcare_benefits:index",
            prefix="/specialcare/benefits/",
            order=49,
            visible=may_see_benefits,
        )
        widgets.register("specialcare/benefits/_widget.html", benefits_widget_context, order=26)
        # ------------------------------------------------------------ end of benefits block
