"""Satisfaction (满意度调查): short surveys after a case is decided, a booking served, a payment
paid (and every complainant's rating of the reply to a complaint), sampled and sent as a notification
with a link; answered by the resident on the page or recorded by staff from a phone call; the
satisfied rate per region, service and unit, and the plan's target 23.5 computed."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SatisfactionConfig(AppConfig):
    name = "minzheng.satisfaction"
    label = "satisfaction"
    verbose_name = _("满意度调查")

    def ready(self):
        from django_fsm.signals import post_transition

        from minzheng.cases.models import Case
        from minzheng.complaints.signals import complaint_rated
        from minzheng.eldercare.signals import booking_served
        from minzheng.payments.signals import payments_returned
        from minzheng.web import nav, widgets

        from . import (
            handlers,
            indicators,  # noqa: F401  (registers the computed target)
        )
        from .selectors import may_see_rates, resident_widget_context

        post_transition.connect(
            handlers.on_case_transition, sender=Case, dispatch_uid="satisfaction_case_transition"
        )
        booking_served.connect(handlers.on_booking_served, dispatch_uid="satisfaction_booking")
        payments_returned.connect(
            handlers.on_payments_returned, dispatch_uid="satisfaction_payments_returned"
        )
        complaint_rated.connect(handlers.on_complaint_rated, dispatch_uid="satisfaction_complaint")
        nav.register(
            _("满意度"),
            "satisfaction:rates",
            prefix="/satisfaction/",
            order=92,
            visible=may_see_rates,
            group="voice",
        )
        widgets.register("satisfaction/_resident_widget.html", resident_widget_context, order=3)
