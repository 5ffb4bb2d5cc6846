"""Elderly-care indicators for the target dashboard, computed from this module's own records for
every region at once (one aggregate query each, rolled up the tree by path).

Definitions (on a date d):
- elderly_care_beds: beds of every institution and facility open on d (opened on or before d,
  not closed by d): care homes, township welfare homes, community home-care centres and rural
  mutual-aid centres (docs/DOMAIN.md §5.4: institutional + community beds).
- new_urban_home_care_centres / new_rural_mutual_aid_centres: centres of the kind opened from
  1 January of d's year up to d.
- communities_with_elderly_assoc / villages_with_elderly_assoc: urban / rural village-level units
  with an elderly association founded by d and not dissolved.
- health_link_*: the share (%) of the open institutions of a kind that have a health-service
  agreement with a medical institution in force on d (养医结合). "Urban care institutions" are
  the public and private care homes; township welfare homes, community centres and rural centres
  are counted separately, as the plan sets a target for each. A region with none of the kind has
  no value.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum

from minzheng.targets.indicators import computes, rollup_sum

from .models import ElderlyAssociation, HealthAgreement, Institution

HEALTH_LINK_KINDS = {
    "health_link_urban_institutions": list(Institution.URBAN_INSTITUTION_KINDS),
    "health_link_township_homes": [Institution.Kind.TOWNSHIP_HOME],
    "health_link_community_centres": [Institution.Kind.COMMUNITY_CENTRE],
    "health_link_rural_centres": [Institution.Kind.RURAL_CENTRE],
}


def _open_on(on_date: dt.date) -> Q:
    return Q(opened_on__lte=on_date) & (Q(closed_on__isnull=True) | Q(closed_on__gt=on_date))


@computes("elderly_care_beds", "new_urban_home_care_centres", "new_rural_mutual_aid_centres")
def facilities(regions, on_date: dt.date) -> dict:
    regions = list(regions)
    year_start = dt.date(on_date.year, 1, 1)
    new = Q(opened_on__gte=year_start, opened_on__lte=on_date)
    rows = (
        Institution.objects.order_by()
        .values("region_id")
        .annotate(
            beds=Sum("beds", filter=_open_on(on_date)),
            new_urban=Count("id", filter=new & Q(kind=Institution.Kind.COMMUNITY_CENTRE)),
            new_rural=Count("id", filter=new & Q(kind=Institution.Kind.RURAL_CENTRE)),
        )
    )
    beds, urban, rural = {}, {}, {}
    for row in rows:
        beds[row["region_id"]] = row["beds"] or 0
        urban[row["region_id"]] = row["new_urban"]
        rural[row["region_id"]] = row["new_rural"]
    return {
        "elderly_care_beds": rollup_sum(beds, regions),
        "new_urban_home_care_centres": rollup_sum(urban, regions),
        "new_rural_mutual_aid_centres": rollup_sum(rural, regions),
    }


@computes("communities_with_elderly_assoc", "villages_with_elderly_assoc")
def associations(regions, on_date: dt.date) -> dict:
    regions = list(regions)
    live = ElderlyAssociation.objects.filter(founded_on__lte=on_date).filter(
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=on_date)
    )
    with_association = set(live.values_list("region_id", flat=True))
    by_kind = {"urban": {}, "rural": {}}
    for region in regions:
        if (
            region.pk in with_association
            and region.level == "village"
            and region.urban_rural in by_kind
        ):
            by_kind[region.urban_rural][region.pk] = 1
    return {
        "communities_with_elderly_assoc": rollup_sum(by_kind["urban"], regions),
        "villages_with_elderly_assoc": rollup_sum(by_kind["rural"], regions),
    }


@computes(*HEALTH_LINK_KINDS)
def health_links(regions, on_date: dt.date) -> dict:
    regions = list(regions)
    agreement = HealthAgreement.objects.filter(
        institution_id=OuterRef("pk"), signed_on__lte=on_date
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on_date))
    rows = (
        Institution.objects.filter(_open_on(on_date))
        .annotate(linked=Exists(agreement))
        .order_by()
        .values("region_id", "kind", "linked")
        .annotate(n=Count("id"))
    )
    totals: dict[str, dict[int, int]] = defaultdict(dict)
    linked: dict[str, dict[int, int]] = defaultdict(dict)
    code_of_kind = {kind: code for code, kinds in HEALTH_LINK_KINDS.items() for kind in kinds}
    for row in rows:
        code = code_of_kind.get(row["kind"])
        if code is None:
            continue
        totals[code][row["region_id"]] = totals[code].get(row["region_id"], 0) + row["n"]
        if row["linked"]:
            linked[code][row["region_id"]] = linked[code].get(row["region_id"], 0) + row["n"]
    result = {}
    for code in HEALTH_LINK_KINDS:
        denominators = rollup_sum(totals[code], regions)
        numerators = rollup_sum(linked[code], regions)
        result[code] = {
            region_code: numerators[region_code] / denominator * Decimal(100)
            for region_code, denominator in denominators.items()
            if denominator > 0
        }
    return result
