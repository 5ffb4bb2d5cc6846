from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacementConfig(AppConfig):
    name = "minzheng.placement"
    label = "placement"
    verbose_name = _("退役士兵阳光安置")

    def ready(self):
        from django.utils.translation import gettext_noop

        from minzheng.assistance.params import ProgrammeSpec, register_paid_programme
        from minzheng.web import nav, widgets

        from .permissions import is_employer, is_veteran_account, may_read
        from .views import employer_widget_context, office_widget_context

        # The self-employment grant is paid as one-off payables under this programme code.
        register_paid_programme(
            ProgrammeSpec(
                "veteran_self_employment", gettext_noop("退役士兵自主就业一次性经济补助"), "one_off"
            )
        )
        nav.register(
            _("退役士兵安置"),
            "placement:index",
            prefix="/placement/",
            order=49,
            visible=may_read,
            group="veterans",
        )
        nav.register(
            _("安置岗位"),
            "placement:my_posts",
            prefix="/placement/posts/",
            order=49,
            visible=is_employer,
            group="veterans",
        )
        nav.register(
            _("我的安置"),
            "placement:mine",
            prefix="/placement/mine/",
            order=90,
            visible=lambda user: is_veteran_account(user) and _has_record(user),
            group="veterans",
        )
        widgets.register("placement/_office_widget.html", office_widget_context, order=26)
        widgets.register("placement/_employer_widget.html", employer_widget_context, order=26)


def _has_record(user) -> bool:
    from .selectors import own_veterans

    return own_veterans(user).exists()
