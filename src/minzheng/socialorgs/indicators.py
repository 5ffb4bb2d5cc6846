"""The plan's targets 6.2 and 6.4–6.6, computed for every region at once (one query each, rolled
up the region tree; docs/DOMAIN.md §10). On a date d:

6.2  new_social_orgs: organisations registered in d's year on or before d (registered_on in
     [1 January, d]), whatever their status today (one deregistered since still came into being).
6.4  social_org_online_registration_rate: of those, the ones whose application was filed online
     (channel online) ÷ all of them × 100.
6.5  social_org_inspection_rate: organisations due an annual inspection for the year before d's
     year Y (registered on or before 31 December Y and not ended by 31 May Y+1) whose report of Y
     has an inspection concluded on or before d ÷ those due × 100. Before 31 May the rate is still
     being made; the target is judged at the year's end.
6.6  social_org_complaints_rate: complaints received in d's year and due (the legal deadline
     passed by d, or closed by d) that were closed with a written reply by d ÷ those due × 100.

6.3 social_org_standardisation_rate stays reported: "standardisation" (管理标准化建设) is a
checklist of the organisation's internal governance (articles, board, finances, archives)
assessed by the registry, which the platform's records do not hold; a rating or an inspection
result is not the same measure.

Organisations count in their domicile region (where they are active), not in their registry, so
a city-registered organisation counts in its county and township as well; complaints count in
the region the complaint names (the organisation's domicile, or the place an unregistered one is
active). Rolled up to every ancestor; a region with nothing due has no rate.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q

from minzheng.targets.indicators import computes, rollup_rate, rollup_sum

from . import rules
from .models import AnnualReport, Channel, Complaint, ComplaintStatus, Organisation


def _split(rows, num_key: str, den_key: str):
    num: dict[int, int] = defaultdict(int)
    den: dict[int, int] = defaultdict(int)
    for row in rows:
        num[row["region_id"]] += row[num_key]
        den[row["region_id"]] += row[den_key]
    return num, den


def _new_rows(on_date: dt.date):
    return (
        Organisation.objects.filter(
            registered_on__gte=dt.date(on_date.year, 1, 1), registered_on__lte=on_date
        )
        .values("region_id")
        .annotate(total=Count("id"), online=Count("id", filter=Q(channel=Channel.ONLINE)))
    )


@computes("new_social_orgs")
def new_social_orgs(regions, on_date: dt.date):
    return rollup_sum({r["region_id"]: r["total"] for r in _new_rows(on_date)}, regions)


@computes("social_org_online_registration_rate")
def online_registration_rate(regions, on_date: dt.date):
    num, den = _split(_new_rows(on_date), "online", "total")
    return rollup_rate(num, den, regions)


@computes("social_org_inspection_rate")
def inspection_rate(regions, on_date: dt.date):
    year = on_date.year - 1
    inspected = AnnualReport.objects.filter(
        organisation=OuterRef("pk"), year=year, inspected_on__lte=on_date
    )
    rows = (
        Organisation.objects.filter(registered_on__lte=dt.date(year, 12, 31))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=rules.registry_deadline(year)))
        .values("region_id")
        .annotate(due=Count("id"), done=Count("id", filter=Exists(inspected)))
    )
    num, den = _split(rows, "done", "due")
    return rollup_rate(num, den, regions)


@computes("social_org_complaints_rate")
def complaints_rate(regions, on_date: dt.date):
    closed = Q(status=ComplaintStatus.CLOSED, closed_on__lte=on_date)
    rows = (
        Complaint.objects.filter(
            received_on__gte=dt.date(on_date.year, 1, 1), received_on__lte=on_date
        )
        .filter(closed | Q(due_on__lt=on_date))
        .values("region_id")
        .annotate(due=Count("id"), done=Count("id", filter=closed))
    )
    num, den = _split(rows, "done", "due")
    return rollup_rate(num, den, regions)
