"""The weekly digest's section of key projects: milestones overdue at the end of the week."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from minzheng.targets.digest import DigestItem

from . import selectors


def overdue_milestones(user, start: dt.date, end: dt.date) -> list[DigestItem]:
    """Milestones due before the week's last day and not done by then, oldest first."""
    return [
        DigestItem(
            text=_("%(project)s：%(title)s，应于 %(due)s 完成，已逾期 %(days)s 天")
            % {
                "project": m.project.name,
                "title": m.title,
                "due": m.due_on.isoformat(),
                "days": (end - m.due_on).days,
            },
            url=reverse("projects:detail", args=[m.project_id]),
            severity="danger",
        )
        for m in selectors.overdue_milestones(user, end)
    ]
