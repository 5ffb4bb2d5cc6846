from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "minzheng.payments"
    label = "payments"
    verbose_name = _("待遇与发放")

    def ready(self):
        from django_fsm.signals import post_transition

        from minzheng.cases import timeline as case_timeline
        from minzheng.cases.models import Case
        from minzheng.web import nav, widgets

        from .oneoff import payment_events
        from .recompute import may_simulate
        from .selectors import (
            due_reviews_widget_context,
            oneoff_widget_context,
            recovery_widget_context,
        )
        from .signals import income_found, on_case_transition, on_income_found
        from .views import may_see_payrolls

        # An approved application becomes an entitlement (in the approval's transaction).
        post_transition.connect(
            on_case_transition, sender=Case, dispatch_uid="payments_on_case_transition"
        )

        # A case's timeline shows when and how its decided one-off amount was paid.
        case_timeline.register(payment_events)

        # Income found undeclared (sent by verification) becomes a recovery proposal.
        income_found.connect(on_income_found, dispatch_uid="payments_on_income_found")

        def staff(user) -> bool:
            return user.is_superuser or user.is_staff_role

        nav.register(
            _("救助待遇"),
            "payments:entitlement_list",
            prefix="/payments/",
            order=45,
            visible=staff,
            group="assistance",
        )
        nav.register(
            _("我的待遇"),
            "payments:mine",
            prefix="/payments/mine/",
            order=55,
            visible=lambda user: user.role == "resident",
            group="assistance",
        )
        nav.register(
            _("月度发放"),
            "payments:payroll_list",
            prefix="/payments/payrolls/",
            order=46,
            visible=may_see_payrolls,
            group="assistance",
        )
        nav.register(
            _("标准测算"),
            "payments:simulator",
            prefix="/payments/simulator/",
            order=47,
            visible=may_simulate,
            group="assistance",
        )
        nav.register(
            _("多发追回"),
            "payments:recovery_list",
            prefix="/payments/recovery/",
            order=48,
            visible=may_see_payrolls,
            group="assistance",
        )
        widgets.register("payments/_due_reviews_widget.html", due_reviews_widget_context, order=25)
        nav.register(
            _("一次性救助发放"),
            "payments:oneoff_payables",
            prefix="/payments/oneoff/",
            order=48,
            visible=lambda user: staff(user) and user.role != "leader",
            group="assistance",
        )
        widgets.register("payments/_oneoff_widget.html", oneoff_widget_context, order=26)
        widgets.register("payments/_recovery_widget.html", recovery_widget_context, order=26)
