"""Notifications (消息通知): residents, providers and staff are told at each milestone that
concerns them, through one pluggable sender (core.messaging). models.py: the outbox
(Notification, one per message, unique by trigger) and opt-outs; kinds.py: the registry of kinds
(label and Chinese template); services.py: notify / notify_many (the public service other
modules call), dispatch (quiet hours, retries), resend, preferences; handlers.py: the
milestones subscribed to here; jobs.py: the dispatcher on the worker."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "minzheng.notifications"
    label = "notifications"
    verbose_name = _("消息通知")

    def ready(self):
        from django.db.models.signals import post_save
        from django_fsm.signals import post_transition

        from minzheng.cases.models import Case
        from minzheng.complaints import signals as complaint_signals
        from minzheng.eldercare.signals import booking_moved
        from minzheng.payments.signals import payments_returned
        from minzheng.web import nav, widgets

        from . import handlers
        from .permissions import is_resident, may_read_outbox
        from .selectors import resident_widget_context, todo_widget_context

        post_transition.connect(
            handlers.on_case_transition, sender=Case, dispatch_uid="notifications_case_transition"
        )
        post_save.connect(
            handlers.on_case_created, sender=Case, dispatch_uid="notifications_case_created"
        )
        booking_moved.connect(handlers.on_booking_moved, dispatch_uid="notifications_booking")
        payments_returned.connect(
            handlers.on_payments_returned, dispatch_uid="notifications_payments_returned"
        )

        for name in (
            "accepted",
            "not_accepted",
            "extended",
            "replied",
            "review_answered",
            "transferred",
        ):
            getattr(complaint_signals, f"complaint_{name}").connect(
                getattr(handlers, f"on_complaint_{name}"),
                dispatch_uid=f"notifications_complaint_{name}",
            )

        nav.register(
            _("消息发送记录"),
            "notifications:outbox",
            prefix="/notifications/",
            order=91,
            visible=lambda u: may_read_outbox(u) and not is_resident(u),
            group="voice",
        )
        nav.register(
            _("我的消息"),
            "notifications:mine",
            prefix="/notifications/mine/",
            order=63,
            visible=is_resident,
        )
        widgets.register("notifications/_resident_widget.html", resident_widget_context, order=3)
        widgets.register("notifications/_todo_widget.html", todo_widget_context, order=2)
