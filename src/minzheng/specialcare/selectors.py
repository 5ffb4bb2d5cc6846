"""Scoped reads of the special-care roster (see permissions.py): every read goes through
`records_for`, limited to the user's region subtree, so a record elsewhere is a 404."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet
from django.utils import timezone

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_q
from minzheng.people.selectors import masked_name

from . import quality
from .models import (
    ChangeStatus,
    Recipient,
    RecipientChange,
    RecipientDocument,
    RecipientStatus,
)
from .permissions import may_read, shows_names


def records_for(
    user,
    *,
    category: str = "",
    status: str = "",
    region_code: str = "",
    query: str = "",
) -> QuerySet[Recipient]:
    if not may_read(user):
        return Recipient.objects.none()
    qs = Recipient.objects.filter(scope_q(user, "region")).select_related(
        "person", "region", "person__hukou_region"
    )
    if category:
        qs = qs.filter(category=category)
    if status:
        qs = qs.filter(status=status)
    if region_code:
        qs = qs.filter(region__path__contains=f"{region_code}/")
    query = (query or "").strip()
    if query:
        from minzheng.people.selectors import search_people

        # Exact ID number (through the keyed hash), name or pinyin, as the registry searches.
        qs = qs.filter(person__in=search_people(user, query).values("pk"))
    return qs


def get_record(user, pk: int) -> Recipient:
    record = records_for(user).filter(pk=pk).first()
    if record is None:
        raise NotFoundOrOutOfScope()
    return record


def display_name(user, record: Recipient) -> str:
    return record.person.name if shows_names(user) else masked_name(record.person.name)


def changes_for(user, *, status: str = "") -> QuerySet[RecipientChange]:
    if not may_read(user):
        return RecipientChange.objects.none()
    qs = RecipientChange.objects.filter(
        scope_q(user, "recipient__region", "region")
    ).select_related(
        "recipient", "recipient__person", "recipient__region", "requested_by", "decided_by"
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def get_change(user, pk: int) -> RecipientChange:
    change = changes_for(user).filter(pk=pk).first()
    if change is None:
        raise NotFoundOrOutOfScope()
    return change


def history(record: Recipient) -> QuerySet[RecipientChange]:
    """Every change of a record, including a move's: the record keeps its changes when its region
    moves, so the sending and the receiving county both read the same history."""
    return record.changes.select_related("requested_by", "decided_by").order_by(
        "-requested_at", "-id"
    )


def get_document(user, pk: int) -> RecipientDocument:
    document = (
        RecipientDocument.objects.filter(recipient__in=records_for(user).values("pk"), pk=pk)
        .select_related("recipient", "recipient__region")
        .first()
    )
    if document is None:
        raise NotFoundOrOutOfScope()
    return document


def counts(user) -> dict:
    rows = dict(
        records_for(user, status=RecipientStatus.ACTIVE)
        .order_by()
        .values_list("category")
        .annotate(n=Count("id"))
    )
    return {
        "by_category": rows,
        "total": sum(rows.values()),
        "pending": changes_for(user, status=ChangeStatus.PENDING).count(),
    }


# ---------------------------------------------------------------- data quality


def failing_rows(
    user, *, on: dt.date | None = None, rule_code: str = "", region_code: str = ""
) -> list[tuple[quality.Rule, Recipient]]:
    """Every (rule, record) failing in the user's scope: one query per rule."""
    on = on or timezone.localdate()
    scoped = records_for(user, region_code=region_code).values("pk")
    out = []
    for rule in quality.rules():
        if rule_code and rule.code != rule_code:
            continue
        qs = (
            rule.failing(on)
            .filter(pk__in=scoped)
            .select_related("person", "region")
            .order_by("region__path", "id")
        )
        out.extend((rule, r) for r in qs)
    return out


def failing_counts_by_county(user, *, on: dt.date | None = None) -> list[dict]:
    """Per county in scope: active records, records failing each dimension and any rule."""
    from minzheng.regions.models import Region

    on = on or timezone.localdate()
    active = records_for(user, status=RecipientStatus.ACTIVE).order_by()
    annotations = {"total": Count("id")}
    for dimension in quality.DIMENSION_INDICATORS:
        annotations[f"fail_{dimension}"] = Count("id", filter=quality.failing_any(on, dimension))
    annotations["fail_any"] = Count("id", filter=quality.failing_any(on))
    from django.db.models.functions import Substr

    rows = (
        active.annotate(county_path=Substr("region__path", 1, quality.COUNTY_PATH_LENGTH))
        .values("county_path")
        .annotate(**annotations)
    )
    by_path = {row["county_path"]: row for row in rows}
    counties = Region.objects.filter(path__in=list(by_path)).order_by("path")
    return [{"region": c, **by_path[c.path]} for c in counties]


def failing_record_count(user, *, on: dt.date | None = None) -> int:
    on = on or timezone.localdate()
    return records_for(user, status=RecipientStatus.ACTIVE).filter(quality.failing_any(on)).count()


def scope_is_city(user) -> bool:
    from minzheng.core.scope import scope_paths

    paths = scope_paths(user)
    return paths is None or any(len(p) <= quality.CITY_PATH_LENGTH for p in paths)
