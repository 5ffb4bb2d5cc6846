from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpecialCareConfig(AppConfig):
    name = "minzheng.specialcare"
    label = "specialcare"
    verbose_name = _("优抚对象")

    def ready(self):
        from minzheng.web import nav, widgets

        from . import benefit_indicators, benefits, indicators, quality, signals  # noqa: F401  (the @computes of 15.1–15.5)
        from .benefit_selectors import may_see as may_see_benefits
        from .benefit_views import widget_context as benefits_widget_context
        from .permissions import may_read
        from .views import approver_widget_context

        # The roster and its data quality.
        quality.register_roster_rules()
        nav.register(
            _("优抚对象"),
            "specialcare:index",
            prefix="/specialcare/",
            order=49,
            visible=may_read,
            group="veterans",
        )
        widgets.register("specialcare/_approver_widget.html", approver_widget_context, order=16)

        # Benefits: pensions on the payroll, one-off payables, the pension-grade accuracy rule,
        # and the roster's approved changes moving the pension.
        benefits.register_calculator()
        benefits.register_paid_programmes()
        quality.register(benefits.PENSION_GRADE_RULE)
        signals.recipient_changed.connect(
            benefits.on_recipient_changed, dispatch_uid="specialcare.benefits.recipient_changed"
        )
        nav.register(
            _("优抚待遇"),
            "specialcare_benefits:index",
            prefix="/specialcare/benefits/",
            order=49,
            visible=may_see_benefits,
            group="veterans",
        )
        widgets.register("specialcare/benefits/_widget.html", benefits_widget_context, order=26)
