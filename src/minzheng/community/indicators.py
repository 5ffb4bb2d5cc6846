"""The plan's targets 5.2–5.4, computed for every region at once from the registers
(set-based; docs/DOMAIN.md §11.3). On a date d:

5.2  rural_community_demo_villages: rural villages whose demonstration site was accepted by the
     county in d's year, on or before d.
5.3  difficult_villages_remediated: "difficult villages" accepted as remediated in d's year, on
     or before d.
5.4  standard_community_annual_task: 1 when every task of the standard-community plan of d's
     year due by d was completed by d, else 0 (the target is "≥ 1", a milestone); a region with
     no task due by d has no value. A region above a county counts the tasks of all its counties.
Counts are held by the village (5.2, 5.3) or the county (5.4) and rolled up to every ancestor and
to the functional zones of their townships.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q

from minzheng.targets.indicators import computes, rollup_sum

from .models import DemoSite, DifficultStatus, DifficultVillage, SiteStatus, StandardTask


def _counts(qs) -> dict[int, int]:
    return {row["region_id"]: row["n"] for row in qs.values("region_id").annotate(n=Count("id"))}


def _year_to(on_date: dt.date) -> dict:
    return {"accepted_on__gte": dt.date(on_date.year, 1, 1), "accepted_on__lte": on_date}


@computes("rural_community_demo_villages")
def demo_villages(regions, on_date: dt.date):
    qs = DemoSite.objects.filter(status=SiteStatus.ACCEPTED, **_year_to(on_date)).order_by()
    return rollup_sum(_counts(qs), regions)


@computes("difficult_villages_remediated")
def difficult_villages(regions, on_date: dt.date):
    qs = DifficultVillage.objects.filter(
        status=DifficultStatus.REMEDIATED, **_year_to(on_date)
    ).order_by()
    return rollup_sum(_counts(qs), regions)


@computes("standard_community_annual_task")
def standard_task(regions, on_date: dt.date):
    regions = list(regions)
    rows = (
        StandardTask.objects.filter(year=on_date.year, due_on__lte=on_date)
        .order_by()
        .values("region_id")
        .annotate(due=Count("id"), done=Count("id", filter=Q(completed_on__lte=on_date)))
    )
    due: dict[int, int] = {}
    done: dict[int, int] = {}
    for row in rows:
        due[row["region_id"]] = row["due"]
        done[row["region_id"]] = row["done"]
    due_total = rollup_sum(due, regions)
    done_total = rollup_sum(done, regions)
    return {
        code: Decimal(1) if done_total[code] >= n else Decimal(0)
        for code, n in due_total.items()
        if n > 0
    }
