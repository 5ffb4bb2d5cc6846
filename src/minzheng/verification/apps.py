from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "minzheng.verification"
    label = "verification"
    verbose_name = _("家庭经济状况核对")

    def ready(self):
        from django_fsm.signals import pre_transition

        from minzheng.accounts.models import Role
        from minzheng.web import nav, widgets

        from .signals import guard_case_transition

        # The application procedure asks verification before a case passes verification or is
        # approved (a confirmed finding needs a recorded explanation first).
        pre_transition.connect(
            guard_case_transition, dispatch_uid="verification_guard_case_transition"
        )
        from .params import register_standards

        register_standards()
        from .selectors import exchange_widget_context

        widgets.register("verification/_exchange_widget.html", exchange_widget_context, order=22)
        nav.register(
            _("家庭经济状况核对"),
            "verification:index",
            prefix="/verification/",
            order=45,
            visible=lambda user: (
                user.is_superuser
                or user.role
                in (
                    Role.VERIFICATION_CENTRE,
                    Role.TOWNSHIP_CLERK,
                    Role.COUNTY_APPROVER,
                    Role.CITY_SECTION,
                    Role.ADMIN,
                )
            ),
            group="assistance",
        )
