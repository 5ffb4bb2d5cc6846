from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MilitaryConfig(AppConfig):
    name = "minzheng.military"
    label = "military"
    verbose_name = _("双拥、军休与涉军诉求")

    def ready(self):
        from minzheng.web import nav, widgets

        from .permissions import may_file_appeal, may_use_military
        from .views import appeals_widget_context, cadre_widget_context

        nav.register(
            _("双拥与军休"),
            "military:index",
            prefix="/military/",
            order=58,
            visible=may_use_military,
            group="veterans",
        )
        nav.register(
            _("涉军诉求"),
            "military:my_appeals",
            prefix="/military/appeals/mine/",
            order=59,
            visible=lambda user: may_file_appeal(user) and not may_use_military(user),
            group="veterans",
        )
        widgets.register("military/_appeals_widget.html", appeals_widget_context, order=30)
        # Appeals stay self-contained (docs/DOMAIN.md §16); the complaints register lists them.
        from minzheng.complaints import sources, subjects

        from .views import appeal_source_rows

        sources.register("military", _("涉军诉求"), appeal_source_rows, order=10)

        from .selectors import get_appeal

        subjects.register(
            "military.appeal",
            _("涉军诉求"),
            subjects.scoped(get_appeal, "military:appeal_detail", lambda a: a.number),
        )
        widgets.register("military/_cadre_widget.html", cadre_widget_context, order=30)
