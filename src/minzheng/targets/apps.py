from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "minzheng.targets"
    label = "targets"
    verbose_name = _("民政CEO目标管理")

    def ready(self):
        from minzheng.web import nav, widgets

        from .permissions import may_view
        from .templatetags.targets_tags import workbench_card_context

        nav.register(
            _("目标管理"),
            "targets:dashboard",
            prefix="/targets/",
            order=60,
            visible=may_view,
            group="supervision",
        )
        widgets.register("targets/partials/workbench_widget.html", workbench_card_context, order=10)
        from . import digest_sections, digest_views

        digest_sections.register()
        widgets.register("targets/digest/_widget.html", digest_views.digest_card_context, order=11)
