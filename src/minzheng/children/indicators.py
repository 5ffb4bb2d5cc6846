"""The plan's target 4.2 (children_protection_handling_rate), computed from the protection cases
for every region at once (docs/DOMAIN.md §6.3: monitoring, reporting, referral and handling of
every child in difficulty, 100 % [plan]).

4.2 children_protection_handling_rate on a date d:
  cases handled in time ÷ cases due × 100, where
  - a case is *due* when it was reported in d's year on or before d, and either its help plan
    was made by d or its help-plan deadline (15 days after the report) has passed by d — a case
    still inside its deadlines is neither counted for nor against;
  - a due case is *handled in time* when, by d, first contact was made within 24 hours of the
    report, the assessment within 7 days and the help plan (with its referrals) within 15 days
    (children.deadlines.within_deadlines, here as one SQL condition).
Counted in the case's region (the child's village or township) and rolled up to every ancestor;
a region with no due case has no value.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Q

from minzheng.targets.indicators import computes, rollup_rate

from .models import ChildCase


def due_q(on: dt.date) -> Q:
    start = dt.date(on.year, 1, 1)
    return Q(reported_at__date__gte=start, reported_at__date__lte=on) & (
        Q(plan_on__lte=on) | Q(plan_due_on__lt=on)
    )


def in_time_q(on: dt.date) -> Q:
    return Q(
        first_contact_at__isnull=False,
        first_contact_at__lte=F("first_contact_due_at"),
        assessed_on__lte=F("assessment_due_on"),
        plan_on__lte=F("plan_due_on"),
    ) & Q(plan_on__lte=on)


@computes("children_protection_handling_rate")
def handling_rate(regions, on_date: dt.date) -> dict[str, Decimal]:
    regions = list(regions)
    rows = (
        ChildCase.objects.filter(due_q(on_date))
        .values("region_id")
        .annotate(due=Count("id"), handled=Count("id", filter=in_time_q(on_date)))
    )
    due: dict[int, int] = defaultdict(int)
    handled: dict[int, int] = defaultdict(int)
    for row in rows:
        due[row["region_id"]] += row["due"]
        handled[row["region_id"]] += row["handled"]
    return rollup_rate(handled, due, regions)
