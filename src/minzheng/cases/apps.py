from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "minzheng.cases"
    label = "cases"
    verbose_name = _("救助申请办理")

    def ready(self):
        from minzheng.assistance.defaults import register_workflow_defaults
        from minzheng.web import nav, widgets

        from .params import DEFAULTS
        from .selectors import calendar_widget_context, overdue_widget_context

        # The workflow's deadlines and ratios are standards like any other: seeded with the rest.
        register_workflow_defaults({key: param.default for key, param in DEFAULTS.items()})

        # A complaint may be about an assistance application (the register resolves it, scoped).
        from minzheng.complaints import subjects

        from .selectors import get_case

        subjects.register(
            "cases.case",
            _("救助申请"),
            subjects.scoped(get_case, "cases:detail", lambda c: c.number),
        )

        nav.register(
            _("救助申请"),
            "cases:list",
            prefix="/cases/",
            order=40,
            visible=lambda user: user.is_staff_role,
            group="assistance",
        )
        nav.register(
            _("申请救助"),
            "cases:apply",
            prefix="/cases/apply/",
            order=39,
            visible=lambda user: user.role == "resident",
            group="assistance",
        )
        nav.register(
            _("我的申请"),
            "cases:mine",
            prefix="/cases/mine/",
            order=40,
            visible=lambda user: user.role == "resident",
            group="assistance",
        )
        nav.register(
            _("医疗费用导入"),
            "cases:settlements",
            prefix="/cases/medical/settlements/",
            order=41,
            visible=lambda user: user.role == "township_clerk",
            group="assistance",
        )
        widgets.register("cases/_overdue_widget.html", overdue_widget_context, order=20)
        widgets.register("cases/_calendar_widget.html", calendar_widget_context, order=5)
