from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChildrenConfig(AppConfig):
    name = "minzheng.children"
    label = "children"
    verbose_name = _("儿童福利与保护")

    def ready(self):
        from minzheng.cases import referrals as case_referrals
        from minzheng.web import nav, widgets

        from .allowance import register_calculator
        from .permissions import may_report, may_use_children
        from .views import (
            child_protection_widget_context,
            reporter_widget_context,
            tekun_case_referrals,
            village_widget_context,
        )

        register_calculator()
        from minzheng.adoption.signals import adoption_registered

        from .receivers import record_adoption

        # A registered adoption names the child's new guardian on the register.
        adoption_registered.connect(record_adoption, dispatch_uid="children_record_adoption")
        case_referrals.register(tekun_case_referrals)
        from minzheng.complaints import subjects

        from .selectors import get_case

        # A complaint may be about a child protection case (the register resolves it, scoped).
        subjects.register(
            "children.case",
            _("儿童保护案件"),
            subjects.scoped(get_case, "children:case_detail", lambda c: c.number),
        )
        nav.register(
            _("儿童福利与保护"),
            "children:index",
            prefix="/children/",
            order=47,
            visible=may_use_children,
            group="affairs",
        )
        nav.register(
            _("报告儿童受侵害"),
            "children:report",
            prefix="/children/report/",
            order=48,
            visible=lambda user: may_report(user) and not may_use_children(user),
            group="affairs",
        )
        widgets.register(
            "children/_protection_widget.html", child_protection_widget_context, order=15
        )
        widgets.register("children/_village_widget.html", village_widget_context, order=25)
        widgets.register("children/_reporter_widget.html", reporter_widget_context, order=25)
