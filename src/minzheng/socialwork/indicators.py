"""The plan's social-work targets 5.1, 6.1, 7.2 and 7.3, computed for every region at once
(set-based; docs/DOMAIN.md §11.2, §11.3). On a date d:

5.1  three_social_linkage_communities: distinct urban communities with a three-social-linkage
     project accepted as passed (验收合格) on or before d — a community's linkage is established
     once accepted, and counts once however many projects it has; counted in the community,
     rolled up to every ancestor.
6.1  provincial_funded_projects: venture-funding applications awarded from the provincial
     special fund (省级专项资金) with an award date in d's year up to d, counted in the region of
     the call (the city, or the county), rolled up.
7.2  social_work_talent_ledger (0/1): the ledger holds at least one entry, entered by d, in the
     region's subtree. Given for the city and the counties (the keepers of the ledger), and for a
     functional zone through its member townships.
7.3  social_work_assembly_held (0/1): a member assembly of the region's social-work association
     held in d's year up to d. Given for the city, and for any county that has ever recorded an
     assembly (a county without an association is not held to the city's target).
7.1  social_work_association_sound stays reported: "organisation, rules and working mechanism
     sound" is a judgement of documents the platform does not hold.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from minzheng.targets.indicators import computes, rollup_sum

from .models import (
    ApplicationStatus,
    Assembly,
    FundingSource,
    Project,
    ProjectKind,
    ProjectStatus,
    SocialWorker,
)

LEDGER_LEVELS = ("province", "city", "county")


@computes("three_social_linkage_communities")
def linkage_communities(regions, on_date: dt.date) -> dict[str, Decimal]:
    communities = (
        Project.objects.filter(
            kind=ProjectKind.LINKAGE,
            status=ProjectStatus.ACCEPTED,
            accepted_on__lte=on_date,
        )
        .order_by()
        .values_list("region_id", flat=True)
        .distinct()
    )
    return rollup_sum({pk: 1 for pk in communities}, regions)


@computes("provincial_funded_projects")
def provincial_funded(regions, on_date: dt.date) -> dict[str, Decimal]:
    from django.db.models import Count

    from .models import VentureApplication

    rows = (
        VentureApplication.objects.filter(
            status=ApplicationStatus.AWARDED,
            awarded_source=FundingSource.PROVINCIAL,
            awarded_on__gte=dt.date(on_date.year, 1, 1),
            awarded_on__lte=on_date,
        )
        .order_by()
        .values("call__region_id")
        .annotate(n=Count("id"))
    )
    return rollup_sum({r["call__region_id"]: r["n"] for r in rows}, regions)


def _zero_one(regions, counts: dict[str, Decimal], shown) -> dict[str, Decimal]:
    return {
        r.code: Decimal(1) if counts.get(r.code, 0) > 0 else Decimal(0) for r in regions if shown(r)
    }


@computes("social_work_talent_ledger")
def talent_ledger(regions, on_date: dt.date) -> dict[str, Decimal]:
    from django.db.models import Count

    regions = list(regions)
    rows = (
        SocialWorker.objects.filter(entered_on__lte=on_date)
        .order_by()
        .values("region_id")
        .annotate(n=Count("id"))
    )
    counts = rollup_sum({r["region_id"]: r["n"] for r in rows}, regions)
    return _zero_one(regions, counts, lambda r: r.is_zone or r.level in LEDGER_LEVELS)


@computes("social_work_assembly_held")
def assembly_held(regions, on_date: dt.date) -> dict[str, Decimal]:
    regions = list(regions)
    held = set(
        Assembly.objects.filter(
            held_on__gte=dt.date(on_date.year, 1, 1), held_on__lte=on_date
        ).values_list("region_id", flat=True)
    )
    having = set(Assembly.objects.values_list("region_id", flat=True).distinct())
    return {
        r.code: Decimal(1) if r.pk in held else Decimal(0)
        for r in regions
        if not r.is_zone and (r.level == "city" or (r.level == "county" and r.pk in having))
    }
