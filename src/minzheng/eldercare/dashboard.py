"""The elderly-care dashboard of one user's region: the plan's indicators computed live from the
records (the same compute functions the target snapshots use) and the elderly counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from minzheng.people.models import Person
from minzheng.regions.models import Region

from . import indicators
from .allowance import years_before
from .models import Institution

CITY = "420800"


def root_region(user) -> Region | None:
    if user.region_id:
        return user.region
    return Region.objects.filter(code=CITY).first()


def _pct(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.1"))


def dashboard_for(user, on: dt.date) -> dict:
    root = root_region(user)
    if root is None:
        return {}
    if root.is_zone:
        paths = [m.path for m in root.members.all()]
    else:
        paths = [root.path]
    subtree = Q(pk__in=[])
    for path in paths:
        subtree |= Q(path__startswith=path)
    regions = list(
        Region.objects.filter(subtree | Q(pk=root.pk))
        .exclude(kind=Region.Kind.ZONE)
        .prefetch_related("members")
    )
    code = root.code
    facilities = indicators.facilities(regions, on)
    associations = indicators.associations(regions, on)
    links = indicators.health_links(regions, on)

    def total(values: dict) -> Decimal:
        if root.is_zone:
            return sum((values.get(m.code, Decimal(0)) for m in root.members.all()), Decimal(0))
        return values.get(code, Decimal(0))

    people = Person.objects.filter(Q(death_date__isnull=True) | Q(death_date__gt=on))
    person_scope = Q(pk__in=[])
    for path in paths:
        person_scope |= Q(hukou_region__path__startswith=path)
    counts = people.filter(person_scope).aggregate(
        aged_60=Count("id", filter=Q(birth_date__lte=years_before(on, 60))),
        aged_80=Count("id", filter=Q(birth_date__lte=years_before(on, 80))),
    )
    units = {"urban": 0, "rural": 0}
    for r in regions:
        if r.level == Region.Level.VILLAGE and r.urban_rural in units:
            units[r.urban_rural] += 1
    beds = total(facilities["elderly_care_beds"])
    with_urban, with_rural = (
        total(associations["communities_with_elderly_assoc"]),
        total(associations["villages_with_elderly_assoc"]),
    )
    return {
        "region": root,
        "elderly_60": counts["aged_60"],
        "elderly_80": counts["aged_80"],
        "beds": beds,
        "beds_per_1000": (beds / counts["aged_60"] * 1000).quantize(Decimal("0.01"))
        if counts["aged_60"]
        else None,
        "new_urban_centres": total(facilities["new_urban_home_care_centres"]),
        "new_rural_centres": total(facilities["new_rural_mutual_aid_centres"]),
        "communities": units["urban"],
        "communities_with_assoc": with_urban,
        "assoc_coverage_urban": _pct(with_urban / units["urban"] * 100) if units["urban"] else None,
        "villages": units["rural"],
        "villages_with_assoc": with_rural,
        "assoc_coverage_rural": _pct(with_rural / units["rural"] * 100) if units["rural"] else None,
        "health_links": [
            (label, _pct(links[key].get(code)) if not root.is_zone else None)
            for key, label in (
                (
                    "health_link_urban_institutions",
                    Institution.Kind.PUBLIC.label + " / " + Institution.Kind.PRIVATE.label,
                ),
                ("health_link_township_homes", Institution.Kind.TOWNSHIP_HOME.label),
                ("health_link_community_centres", Institution.Kind.COMMUNITY_CENTRE.label),
                ("health_link_rural_centres", Institution.Kind.RURAL_CENTRE.label),
            )
        ],
    }


def with_occupancy(qs: QuerySet[Institution]) -> QuerySet[Institution]:
    return qs.annotate(
        occupied=Count("residencies", filter=Q(residencies__left_on__isnull=True)),
        linked=Count(
            "health_agreements", filter=Q(health_agreements__ended_on__isnull=True), distinct=True
        ),
    )
