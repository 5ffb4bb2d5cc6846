"""The plan's targets 7.4 and 7.5 (docs/DOMAIN.md §11.1), computed for every region at once.

7.5  volunteer_registration_rate, on a date d (the target registry's ratio registered_volunteers ÷
     pop_community × 100; this module computes registered_volunteers): volunteers approved by d and registered now
     (status approved; suspended, refused and departed ones do not count) whose community of
     registration is an urban community (村级区划 whose urban_rural is urban, 城镇社区: the plan
     says 社区, as the target registry's pop_community) ÷ registered residents of urban communities
     alive on d (born by d, not dead by d) × 100, both rolled up. A region with no community
     residents has no value.
7.4  volunteer_system_networked (1/0): a street (街道, a township-level region whose name ends
     in 街道: the 街办 level of the plan) is online when its own staff approved at least one volunteer
     registered now (approved_in = the street) by d; a county is online when it has at least one
     such volunteer approved within its subtree and every street of it is online; the city when
     every county is online. Value 1 or 0 for the city, each county and each street; other
     regions have none.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q

from minzheng.targets.indicators import computes, rollup_sum

from .models import Status, Volunteer


def _community_q(prefix: str) -> Q:
    return Q(
        **{
            f"{prefix}__level": "village",
            f"{prefix}__kind": "statutory",
            f"{prefix}__urban_rural": "urban",
        }
    )


@computes("registered_volunteers")
def registered_volunteers(regions, on_date: dt.date):
    """The numerator of 7.5; the registry derives volunteer_registration_rate as
    registered_volunteers ÷ pop_community × 100 (pop_community: residents alive on d registered
    in urban communities, the same communities)."""
    regions = list(regions)
    counts = dict(
        Volunteer.objects.filter(
            _community_q("region"), status=Status.APPROVED, approved_on__lte=on_date
        )
        .order_by()
        .values_list("region_id")
        .annotate(n=Count("id"))
    )
    return rollup_sum(counts, regions)


def is_street(region) -> bool:
    return (
        region.level == "township" and region.kind == "statutory" and region.name.endswith("街道")
    )


@computes("volunteer_system_networked")
def system_networked(regions, on_date: dt.date):
    regions = list(regions)
    units = set(
        Volunteer.objects.filter(status=Status.APPROVED, approved_on__lte=on_date)
        .exclude(approved_in__isnull=True)
        .order_by()
        .values_list("approved_in__path", flat=True)
        .distinct()
    )
    statutory = [r for r in regions if r.kind == "statutory"]
    streets = [r for r in statutory if is_street(r)]
    online_street = {r.pk: r.path in units for r in streets}
    out: dict[str, Decimal] = {}
    for r in streets:
        out[r.code] = Decimal(int(online_street[r.pk]))
    counties = [r for r in statutory if r.level == "county"]
    online_county = {}
    for c in counties:
        own_streets = [s for s in streets if s.path.startswith(c.path)]
        used = any(p.startswith(c.path) for p in units)
        online_county[c.pk] = used and all(online_street[s.pk] for s in own_streets)
        out[c.code] = Decimal(int(online_county[c.pk]))
    for city in (r for r in statutory if r.level == "city"):
        own = [c for c in counties if c.path.startswith(city.path)]
        out[city.code] = Decimal(int(bool(own) and all(online_county[c.pk] for c in own)))
    return out
