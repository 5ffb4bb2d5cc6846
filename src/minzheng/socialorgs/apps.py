from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialOrgsConfig(AppConfig):
    name = "minzheng.socialorgs"
    label = "socialorgs"
    verbose_name = _("社会组织")

    def ready(self):
        from minzheng.web import nav, widgets

        from .permissions import is_organisation, may_read
        from .views import organisation_widget_context, registry_widget_context

        nav.register(
            _("社会组织"),
            "socialorgs:index",
            prefix="/socialorgs/",
            order=52,
            visible=may_read,
            group="governance",
        )
        nav.register(
            _("本组织"),
            "socialorgs:mine",
            prefix="/socialorgs/mine/",
            order=52,
            visible=is_organisation,
            group="governance",
        )
        widgets.register("socialorgs/_registry_widget.html", registry_widget_context, order=35)
        # Complaints about organisations keep their investigation here (target 6.6); the
        # complaints register lists them without a copy.
        from minzheng.complaints import sources, subjects

        from .views import complaint_source_rows

        sources.register("socialorgs", _("社会组织投诉"), complaint_source_rows, order=20)

        from .selectors import get_organisation

        subjects.register(
            "socialorgs.organisation",
            _("社会组织"),
            subjects.scoped(get_organisation, "socialorgs:org_detail", lambda o: o.name),
        )
        widgets.register(
            "socialorgs/_organisation_widget.html", organisation_widget_context, order=5
        )
