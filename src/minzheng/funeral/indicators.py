"""The plan's funeral targets (docs/DOMAIN.md §14), computed for every region at once from the
population registry and the funeral module's records, rolled up the region tree.

- 0.5 cremation_rate = cremations_ytd ÷ cremation_area_deaths_ytd × 100 (a ratio of the two
  computed parts below, derived by the targets module).
  *cremation_area_deaths_ytd*: people whose death date in the population registry falls from
  1 January to d and whose place of household registration lies in a cremation area on d (the
  area settings: a township's own setting, else its county's, else a cremation area). Counted
  from the registry's death dates, never from figures typed by clerks.
  *cremations_ytd*: those of them with a cremation recorded on or before d. Counting the
  cremations of the year's deaths (not the cremations done in the year) keeps a death of
  31 December cremated on 2 January in one year only, and the rate at most 100 %.
  Both are placed at the deceased's place of household registration.
- 0.2 eco_burial_share = eco_burials_ytd ÷ burials_ytd × 100: burials of the year to d (by burial
  date) at the deceased's place of registration; eco burials are tree, flower, lawn and wall
  burials, scattering and sea burial (§14); graves and ash-hall storage are not.
- 0.1 eco_cemeteries_built: village eco-cemeteries (村级公益性生态公墓) built (built date) from
  1 January to d, counted at the village they serve and rolled up (the plan's figure is for
  沙洋县, 420822). A count of villages of the full region tree, so the demo keeps the plan's 20
  (per_population=False).
- 9.1 funeral_service_standard_rate: active providers whose standardisation assessment of d's
  year (assessed on or before d) found them up to standard ÷ all active providers × 100, at the
  provider's region (the city's own home counts for the city only). A provider not yet assessed
  this year counts as not standardised.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from minzheng.targets.indicators import computes, rollup_rate, rollup_sum

from .models import AreaKind, AreaSetting, Assessment, Burial, Cemetery, Cremation, Provider
from .selectors import area_kind_by_path, area_kind_of


def _year(on: dt.date) -> tuple[dt.date, dt.date]:
    return on.replace(month=1, day=1), on


def cremation_counts(on: dt.date) -> tuple[dict[int, int], dict[int, int]]:
    """(cremated deaths, deaths) of the year to d in cremation areas, per hukou region id: one
    GROUP BY over the registry; the area of each region is resolved once per region, not per
    person."""
    from minzheng.people.models import Person

    start, end = _year(on)
    rows = (
        Person.objects.filter(death_date__gte=start, death_date__lte=end)
        .order_by()
        .values("hukou_region_id", "hukou_region__path")
        .annotate(
            deaths=Count("id"),
            cremated=Count(
                "id",
                filter=Q(
                    Exists(Cremation.objects.filter(person=OuterRef("pk"), cremated_on__lte=end))
                ),
            ),
        )
    )
    by_path = area_kind_by_path(AreaSetting.objects.all())
    deaths: dict[int, int] = defaultdict(int)
    cremated: dict[int, int] = defaultdict(int)
    for row in rows:
        if area_kind_of(row["hukou_region__path"], by_path) != AreaKind.CREMATION:
            continue
        deaths[row["hukou_region_id"]] += row["deaths"]
        cremated[row["hukou_region_id"]] += row["cremated"]
    return cremated, deaths


@computes("cremations_ytd", "cremation_area_deaths_ytd")
def cremation_parts(regions, on_date: dt.date) -> dict[str, dict[str, Decimal]]:
    cremated, deaths = cremation_counts(on_date)
    regions = list(regions)
    return {
        "cremations_ytd": rollup_sum(cremated, regions),
        "cremation_area_deaths_ytd": rollup_sum(deaths, regions),
    }


def burial_counts(on: dt.date) -> tuple[dict[int, int], dict[int, int]]:
    start, end = _year(on)
    rows = (
        Burial.objects.filter(buried_on__gte=start, buried_on__lte=end)
        .order_by()
        .values("region_id")
        .annotate(n=Count("id"), eco=Count("id", filter=Q(eco=True)))
    )
    eco = {r["region_id"]: r["eco"] for r in rows}
    total = {r["region_id"]: r["n"] for r in rows}
    return eco, total


@computes("eco_burials_ytd", "burials_ytd")
def burial_parts(regions, on_date: dt.date) -> dict[str, dict[str, Decimal]]:
    eco, total = burial_counts(on_date)
    regions = list(regions)
    return {"eco_burials_ytd": rollup_sum(eco, regions), "burials_ytd": rollup_sum(total, regions)}


@computes("eco_cemeteries_built")
def eco_cemeteries_built(regions, on_date: dt.date) -> dict[str, Decimal]:
    start, end = _year(on_date)
    rows = (
        Cemetery.objects.filter(
            kind=Cemetery.Kind.VILLAGE_ECO, built_on__gte=start, built_on__lte=end
        )
        .order_by()
        .values("region_id")
        .annotate(n=Count("id"))
    )
    return rollup_sum({r["region_id"]: r["n"] for r in rows}, regions)


def standardisation_counts(on: dt.date) -> tuple[dict[int, int], dict[int, int]]:
    passed = Assessment.objects.filter(
        provider=OuterRef("pk"), year=on.year, assessed_on__lte=on, passed=True
    )
    rows = (
        Provider.objects.filter(active=True)
        .order_by()
        .values("region_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(Exists(passed))))
    )
    return {r["region_id"]: r["ok"] for r in rows}, {r["region_id"]: r["n"] for r in rows}


@computes("funeral_service_standard_rate")
def funeral_service_standard_rate(regions, on_date: dt.date) -> dict[str, Decimal]:
    ok, total = standardisation_counts(on_date)
    return rollup_rate(ok, total, list(regions))
