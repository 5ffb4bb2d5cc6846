"""The plan's targets 8.1–8.4 (place names), computed for every region at once (docs/DOMAIN.md
§13.4). On a date d:

8.1  placename_self_check_done: a county has done its self-check when its latest self-check on
     or before d concluded "passed" (1, else 0). A region above the counties is 1 when all its
     counties are; townships and villages have no value (the self-check is the county's).
8.2  placename_records: records collected and entered into the database — approved or published
     (approved on or before d), counted in the record's region and rolled up. Records still
     waiting for a check, an approval or a correction are not in the database yet.
     per_population is False: place names grow with territory and settlements (roads, villages,
     rivers), not with the registered population; the demo keeps the real region tree of the
     city (its 84 townships), so the plan's 30,000 stays the demo's target and the demo shows
     the census part-way.
8.3  placename_database_built: a county's database is built when its self-check is done (8.1)
     and every applicable class (the core classes 行政区域, 群众自治组织, 居民点, 交通运输设施 and
     every class it has any record in) has an approved or published record by d; the city's
     when every county's is.
8.4  boundary_joint_inspection_done: a county has done d's year's joint inspection when every
     boundary it shares with a neighbouring county (any inspection between the two ever
     recorded, i.e. the boundaries on the register) has an inspection dated in d's year on or
     before d (1, else 0; no value for a county with no boundary on record); above, 1 when all
     its counties with boundaries are.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q

from minzheng.regions.models import Region
from minzheng.targets.indicators import computes, rollup_sum

from .models import IN_DATABASE, BoundaryInspection, PlaceName
from .selectors import database_state


def _counties(regions) -> list:
    return [r for r in regions if r.level == Region.Level.COUNTY and not r.is_zone]


def _all_counties_rollup(flags: dict[int, bool], regions) -> dict[str, Decimal]:
    """County flags to values: each county its own 1/0, each ancestor 1 when all its counties
    with a value are 1."""
    due = rollup_sum({pk: 1 for pk in flags}, regions)
    done = rollup_sum({pk: 1 for pk, ok in flags.items() if ok}, regions)
    levels = {r.code: r.level for r in regions}
    return {
        code: Decimal(1) if done[code] >= n else Decimal(0)
        for code, n in due.items()
        if n > 0 and levels.get(code) not in (Region.Level.TOWNSHIP, Region.Level.VILLAGE)
    }


@computes("placename_records")
def placename_records(regions, on_date: dt.date):
    rows = (
        PlaceName.objects.filter(status__in=IN_DATABASE, approved_on__lte=on_date)
        .order_by()
        .values("region_id")
        .annotate(n=Count("id"))
    )
    return rollup_sum({r["region_id"]: r["n"] for r in rows}, regions)


@computes("placename_self_check_done", "placename_database_built")
def census_state(regions, on_date: dt.date):
    regions = list(regions)
    states = database_state(on_date, _counties(regions))
    self_check = {s["county"].pk: s["self_check_done"] for s in states}
    built = {s["county"].pk: s["built"] for s in states}
    return {
        "placename_self_check_done": _all_counties_rollup(self_check, regions),
        "placename_database_built": _all_counties_rollup(built, regions),
    }


@computes("boundary_joint_inspection_done")
def boundary_inspections(regions, on_date: dt.date):
    regions = list(regions)
    counties = {r.pk for r in _counties(regions)}
    pairs = BoundaryInspection.objects.filter(
        region_a_id__in=counties, region_b_id__in=counties, inspected_on__lte=on_date
    ).values_list("region_a_id", "region_b_id")
    done_pairs = set(
        BoundaryInspection.objects.filter(
            Q(inspected_on__gte=dt.date(on_date.year, 1, 1)), inspected_on__lte=on_date
        ).values_list("region_a_id", "region_b_id")
    )
    boundaries: dict[int, set] = defaultdict(set)
    for a, b in set(pairs):
        boundaries[a].add((a, b))
        boundaries[b].add((a, b))
    flags = {pk: all(p in done_pairs for p in pairs_) for pk, pairs_ in boundaries.items()}
    return _all_counties_rollup(flags, regions)
