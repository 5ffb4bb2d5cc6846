"""The plan's targets 15.2–15.5 computed from the roster's data-quality rules (quality.py), for
every region at once.

For each dimension D (15.2 ID authentication, 15.3 information accuracy, 15.4 data completeness,
15.5 dynamic management), on a date d:
  active records passing every rule of D on d ÷ active records on d × 100,
counted in the record's region (its village) and rolled up to every ancestor (rollup_rate); a
region with no active record has no value. "Active on d" is a record on the roster now and
registered by d: a past date's snapshot does not bring back records ended since. One GROUP BY per dimension, the rules as subqueries:
the rules registered by other modules (e.g. the benefits' pension band against the grade) count
in their dimension without this module importing them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count

from minzheng.targets.indicators import computes, rollup_rate

from . import quality
from .models import Recipient, RecipientStatus


def dimension_rates(regions, on_date: dt.date, dimension: str) -> dict[str, Decimal]:
    rows = (
        Recipient.objects.filter(status=RecipientStatus.ACTIVE, registered_on__lte=on_date)
        .order_by()
        .values("region_id")
        .annotate(
            total=Count("id"), failing=Count("id", filter=quality.failing_any(on_date, dimension))
        )
    )
    passing: dict[int, int] = {}
    total: dict[int, int] = {}
    for row in rows:
        total[row["region_id"]] = row["total"]
        passing[row["region_id"]] = row["total"] - row["failing"]
    return rollup_rate(passing, total, regions)


@computes(*quality.DIMENSION_INDICATORS.values())
def quality_rates(regions, on_date: dt.date) -> dict[str, dict[str, Decimal]]:
    regions = list(regions)
    return {
        code: dimension_rates(regions, on_date, dimension)
        for dimension, code in quality.DIMENSION_INDICATORS.items()
    }
