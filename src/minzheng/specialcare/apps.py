from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpecialCareConfig(AppConfig):
    name = "minzheng.specialcare"
    label = "specialcare"
    verbose_name = _("优抚对象")

    def ready(self):
        # ------------------------------------------------------------ benefits (优抚待遇)
        from minzheng.specialcare import benefit_indicators  # noqa: F401  (registers 15.1)
        from minzheng.specialcare import benefits, quality, signals

        benefits.register_calculator()
        benefits.register_paid_programmes()
        signals.recipient_changed.connect(
            benefits.on_recipient_changed, dispatch_uid="specialcare.benefits.recipient_changed"
        )
        quality.register(benefits.PENSION_GRADE_RULE)
        # ------------------------------------------------------------ end of benefits block
