"""Key projects (重点项目): the bureau's construction projects, their milestones and monthly
progress (models.py), the plan's targets 0.3 and 0.4 computed from the Jingshan centre's records
(indicators.py), and the weekly digest's section of overdue milestones (digest.py)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "minzheng.projects"
    label = "projects"
    verbose_name = _("重点项目")

    def ready(self):
        from minzheng.targets import digest
        from minzheng.web import nav

        from . import indicators  # noqa: F401  (registers the computed targets)
        from .digest import overdue_milestones
        from .permissions import may_view

        nav.register(
            _("重点项目"),
            "projects:index",
            prefix="/projects/",
            order=61,
            visible=may_view,
            group="supervision",
        )
        digest.register_section(
            "milestones_overdue", _("项目节点逾期"), overdue_milestones, order=50
        )
