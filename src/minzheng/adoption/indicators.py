"""Target 10.2 adoption_registration_pass_rate (收养登记合格率), rolled up the region tree
(docs/DOMAIN.md §12.3).

A checker (the county approver, or the city section) reviews registered adoptions' records in
the quality check (档案质量检查), passed or failed with the defect. On a date d a region's rate is
the checks made in d's year on or before d that passed ÷ all checks made then × 100, counted in
the county of the bureau that registered the adoption and rolled up to every ancestor; a region
with no check has no rate.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from minzheng.targets.indicators import computes, rollup_rate

from .models import QualityCheck


@computes("adoption_registration_pass_rate")
def adoption_registration_pass_rate(regions, on_date: dt.date):
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
