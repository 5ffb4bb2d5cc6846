"""The leader's weekly digest section: complaints due in the week and those overdue."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from minzheng.targets.digest import DigestItem

from . import deadlines, selectors
from .models import Status


def build_section(user, start: dt.date, end: dt.date) -> list[DigestItem]:
    qs = selectors.complaints_for(user)
    overdue = qs.filter(selectors.overdue_q(end)).count()
    due = qs.filter(
        status__in=[Status.RECEIVED, Status.ACCEPTED, Status.INVESTIGATED, Status.REVIEW]
    )
    due_week = [
        c
        for c in due.filter(received_on__lte=end).order_by("id")[:500]
        if (d := deadlines.current_due(c)) and start <= d <= end
    ]
    items = []
    url = reverse("complaints:list")
    if overdue:
        items.append(
            DigestItem(
                _("超期未办的信访投诉 %(n)s 件") % {"n": overdue}, url + "?overdue=1", "danger"
            )
        )
    if due_week:
        items.append(
            DigestItem(_("本周到期的信访投诉 %(n)s 件") % {"n": len(due_week)}, url, "warning")
        )
    return items
