"""The weekly digest's section of publicity: the counties and units that fell short of their
monthly quota of information items in the last complete month before the week's end."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from minzheng.targets.digest import DigestItem

from .selectors import complete_months, quota_table


def quota_shortfalls(user, start: dt.date, end: dt.date) -> list[DigestItem]:
    months = complete_months(end)
    if months == 0:  # January: the month to look at is last December
        year, month = end.year - 1, 12
        on = dt.date(end.year - 1, 12, 31)
    else:
        year, month, on = end.year, months, end
    county_rows, unit_rows = quota_table(user, year, on)
    url = reverse("publicity:quotas") + f"?year={year}"
    items = []
    for row in [*county_rows, *unit_rows]:
        counted = row.months[month - 1]
        if counted < row.quota:
            items.append(
                DigestItem(
                    text=_("%(name)s %(year)s年%(month)s月计数信息 %(n)s 条，少于每月 %(quota)s 条")
                    % {
                        "name": row.name,
                        "year": year,
                        "month": month,
                        "n": counted,
                        "quota": row.quota,
                    },
                    url=url,
                    severity="warning",
                )
            )
    return items
