"""Target 10.1 marriage_registration_pass_rate (婚姻登记合格率), computed for every region at once
and rolled up the region tree (docs/DOMAIN.md §12.3).

A checker (the county approver, or the city section) reviews registrations' records in the
registry's quality check (档案质量检查) and marks each passed, or failed with the defect. On a
date d the rate of a region is: the checks made in d's year on or before d that passed ÷ all
checks made in that period × 100, counted in the county of the registry whose record was
checked and rolled up to every ancestor. A region with no check has no rate (not 0 %).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from minzheng.targets.indicators import computes, rollup_rate

from .models import QualityCheck


@computes("marriage_registration_pass_rate")
def marriage_registration_pass_rate(regions, on_date: dt.date):
    rows = (
        QualityCheck.objects.filter(
            checked_on__gte=dt.date(on_date.year, 1, 1), checked_on__lte=on_date
        )
        .values("registry_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(passed=True)))
    )
    num = {r["registry_id"]: r["ok"] for r in rows}
    den = {r["registry_id"]: r["n"] for r in rows}
    return rollup_rate(num, den, regions)
