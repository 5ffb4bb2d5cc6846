"""Scoped reads of the place-name census (see permissions.py): a record, inspection or
self-check outside the user's regions is not found."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import reduce
from operator import or_

from django.db.models import Count, Max, Q, QuerySet

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_paths, scope_q
from minzheng.regions.models import Region

from . import permissions
from .models import (
    IN_DATABASE,
    BoundaryInspection,
    Conclusion,
    PlaceClass,
    PlaceName,
    SelfCheck,
    Status,
)

SEARCH_LIMIT = 50


def placenames_for(
    user, *, status: str = "", place_class: str = "", county: str = "", query: str = ""
) -> QuerySet[PlaceName]:
    if not permissions.may_read(user):
        return PlaceName.objects.none()
    qs = PlaceName.objects.filter(scope_q(user, "region")).select_related("region", "county")
    if status:
        qs = qs.filter(status=status)
    if place_class:
        qs = qs.filter(place_class=place_class)
    if county:
        qs = qs.filter(county__code=county)
    if query:
        qs = search(qs, query)
    return qs


def search(qs: QuerySet[PlaceName], query: str) -> QuerySet[PlaceName]:
    """Substring search over the names, aliases and spellings (`search_text`, lower-case). On
    PostgreSQL a trigram GIN index serves it (migration 0002); on SQLite it is a LIKE scan."""
    terms = [t for t in query.lower().replace("'", " ").split() if t][:5]
    for term in terms:
        qs = qs.filter(search_text__contains=term)
    return qs


def get_placename(user, pk: int) -> PlaceName:
    row = placenames_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


def queue_for(user) -> QuerySet[PlaceName]:
    """The records waiting for this user's step."""
    wanted: list[str] = []
    if permissions.may_check(user):
        wanted += [Status.ENTERED, Status.RETURNED]
    if permissions.may_approve(user):
        wanted.append(Status.CHECKED)
    if permissions.may_publish(user):
        wanted.append(Status.APPROVED)
    if not wanted:
        return PlaceName.objects.none()
    return placenames_for(user).filter(status__in=wanted)


def queue_counts(user) -> dict[str, int]:
    rows = queue_for(user).order_by().values("status").annotate(n=Count("id"))
    counts = {r["status"]: r["n"] for r in rows}
    return {s: counts.get(s, 0) for s in Status.values}


def inspections_for(user) -> QuerySet[BoundaryInspection]:
    if not permissions.may_read(user):
        return BoundaryInspection.objects.none()
    return BoundaryInspection.objects.filter(scope_q(user, "region_a", "region_b")).select_related(
        "region_a", "region_b"
    )


def get_inspection(user, pk: int) -> BoundaryInspection:
    row = inspections_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


def selfchecks_for(user) -> QuerySet[SelfCheck]:
    if not permissions.may_read(user):
        return SelfCheck.objects.none()
    return SelfCheck.objects.filter(scope_q(user, "county")).select_related("county")


def _regions_in_scope(user, qs):
    """Regions inside the user's scope, or the ones containing it (a county officer sees its
    county; the city section every county)."""
    paths = scope_paths(user)
    if paths is None:
        return qs
    if not paths:
        return qs.none()
    return qs.filter(reduce(or_, [Q(path__startswith=p) for p in paths]))


def counties_for(user) -> list[Region]:
    qs = Region.objects.filter(level=Region.Level.COUNTY, kind=Region.Kind.STATUTORY)
    return list(_regions_in_scope(user, qs).order_by("code"))


def regions_for_entry(user) -> list[Region]:
    """The counties and townships a record may be placed in (villages are chosen by code)."""
    qs = _regions_in_scope(
        user,
        Region.objects.filter(
            level__in=[Region.Level.COUNTY, Region.Level.TOWNSHIP], kind=Region.Kind.STATUTORY
        ),
    )
    return list(qs.select_related("parent").order_by("code")[:200])


# ------------------------------------------------------------------ the "database built" state

# Classes every county has (its own area, its townships, villages and communities, settlements
# and roads): a county's database is not built without approved records in each.
CORE_CLASSES = (
    PlaceClass.ADMIN_AREA,
    PlaceClass.SELF_GOVERNING,
    PlaceClass.SETTLEMENT,
    PlaceClass.TRANSPORT,
)


def database_state(on_date: dt.date, counties: list[Region] | None = None) -> list[dict]:
    """Each county's census database on a date (docs/DOMAIN.md §13.4). A county's database is
    built when (1) its latest self-check on or before the date concluded "passed", and (2) every
    applicable class — the core classes and every class it has any record in — has at least one
    approved or published record approved on or before the date. Three queries for all counties."""
    if counties is None:
        counties = list(
            Region.objects.filter(level=Region.Level.COUNTY, kind=Region.Kind.STATUTORY).order_by(
                "code"
            )
        )
    ids = [c.pk for c in counties]
    classes: dict[int, dict[str, list[int]]] = defaultdict(dict)
    rows = (
        PlaceName.objects.filter(county_id__in=ids, created_at__date__lte=on_date)
        .order_by()
        .values("county_id", "place_class")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status__in=IN_DATABASE, approved_on__lte=on_date)),
        )
    )
    for row in rows:
        classes[row["county_id"]][row["place_class"]] = [row["total"], row["done"]]
    latest = (
        SelfCheck.objects.filter(county_id__in=ids, checked_on__lte=on_date)
        .order_by()
        .values("county_id")
        .annotate(last=Max("checked_on"))
    )
    last_by_county = {r["county_id"]: r["last"] for r in latest}
    passed = set(
        SelfCheck.objects.filter(
            county_id__in=ids, checked_on__lte=on_date, conclusion=Conclusion.PASSED
        ).values_list("county_id", "checked_on")
    )
    out = []
    for county in counties:
        by_class = classes.get(county.pk, {})
        applicable = set(CORE_CLASSES) | set(by_class)
        missing = [
            c for c in PlaceClass.values if c in applicable and by_class.get(c, [0, 0])[1] == 0
        ]
        last = last_by_county.get(county.pk)
        self_check_done = last is not None and (county.pk, last) in passed
        out.append(
            {
                "county": county,
                "records": sum(v[0] for v in by_class.values()),
                "in_database": sum(v[1] for v in by_class.values()),
                "classes_done": len(applicable) - len(missing),
                "classes_applicable": len(applicable),
                "missing": [PlaceClass(c).label for c in missing],
                "self_check_done": self_check_done,
                "built": self_check_done and not missing,
            }
        )
    return out
