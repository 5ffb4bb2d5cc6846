"""Computed targets of the complaints register, on a date d over the complaints received in d's
year, counted in the owner's region (a unit's complaints in the unit's region, the city):

- `enforcement_complaints` (plan 22.1, target 0): complaints about administrative enforcement
  (category 行政执法) received and accepted (a complaint not accepted is not counted).
- `complaints_investigated_rate`: accepted complaints investigated ÷ accepted complaints due
  (investigated, or past their handling deadline) × 100.
- `complaints_reply_in_time_rate`: replied by the handling deadline (60 days, 90 when extended)
  ÷ accepted complaints due a reply (replied, or past the deadline) × 100.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from minzheng.targets.indicators import (
    G_SELF,
    RATE,
    YEAR,
    computes,
    define,
    rollup_rate,
    rollup_sum,
)

from .models import Category, Complaint, Status

define(
    "complaints_investigated_rate",
    _("信访投诉调查处理率"),
    "%",
    _("当年受理的信访投诉中已调查核实的件数 ÷ 已调查或已过办理期限的受理件数 × 100。"),
    G_SELF,
    aggregation=RATE,
    period=YEAR,
)
define(
    "complaints_reply_in_time_rate",
    _("信访投诉按期答复率"),
    "%",
    _("当年受理的信访投诉中在办理期限内书面答复的件数 ÷ 已答复或已过办理期限的受理件数 × 100。"),
    G_SELF,
    aggregation=RATE,
    period=YEAR,
)


def _year(on_date: dt.date):
    return Complaint.objects.filter(
        received_on__gte=dt.date(on_date.year, 1, 1), received_on__lte=on_date
    ).order_by()


def _split(rows, num: str, den: str):
    return (
        {r["owner_region_id"]: r[num] for r in rows},
        {r["owner_region_id"]: r[den] for r in rows},
    )


@computes("enforcement_complaints")
def enforcement_complaints(regions, on_date: dt.date):
    rows = (
        _year(on_date)
        .filter(category=Category.ENFORCEMENT, accepted_on__isnull=False, accepted_on__lte=on_date)
        .values("owner_region_id")
        .annotate(n=Count("id"))
    )
    return rollup_sum({r["owner_region_id"]: r["n"] for r in rows}, regions)


@computes("complaints_investigated_rate")
def investigated_rate(regions, on_date: dt.date):
    done = Q(investigated_on__isnull=False, investigated_on__lte=on_date)
    rows = (
        _year(on_date)
        .filter(accepted_on__isnull=False, accepted_on__lte=on_date)
        .filter(done | Q(handle_due_on__lt=on_date))
        .values("owner_region_id")
        .annotate(due=Count("id"), done=Count("id", filter=done))
    )
    return rollup_rate(*_split(rows, "done", "due"), regions)


@computes("complaints_reply_in_time_rate")
def reply_in_time_rate(regions, on_date: dt.date):
    replied = Q(replied_on__isnull=False, replied_on__lte=on_date)
    rows = (
        _year(on_date)
        .filter(accepted_on__isnull=False, accepted_on__lte=on_date)
        .exclude(status=Status.NOT_ACCEPTED)
        .filter(replied | Q(handle_due_on__lt=on_date))
        .values("owner_region_id")
        .annotate(
            due=Count("id"),
            in_time=Count("id", filter=replied & Q(replied_on__lte=F("handle_due_on"))),
        )
    )
    return rollup_rate(*_split(rows, "in_time", "due"), regions)
