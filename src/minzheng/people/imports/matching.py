"""Matching a file's rows with the registry: IDs registered outside the user's regions, and people
the file puts in a household who already live in another one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection
from django.utils.translation import gettext as _

from minzheng.core.scope import region_in_scope
from minzheng.regions.models import Region

from .. import services
from ..models import Relation
from .rows import ImportRow, Unit

if TYPE_CHECKING:
    from .validation import Validator


LOOKUP_BATCH = 5000  # ID hashes per query


@dataclass(frozen=True, slots=True)
class Membership:
    """Someone's current household, as far as the checks need it."""

    household_id: int
    relation: str
    number: str
    region_id: int


def regions_in_scope(user, region_ids: set[int], known: dict[int, bool]) -> dict[int, bool]:
    """Region id -> whether `user` sees it (`core.scope.region_in_scope`), adding the regions
    not yet in `known` with one query."""
    missing = region_ids - known.keys()
    if missing:
        for pk, region in Region.objects.in_bulk(missing).items():
            known[pk] = region_in_scope(user, region)
    return known


def check_registry(validator: Validator, units: list[Unit]) -> None:
    """Conflicts with people already registered: someone the file puts in a household who
    already lives in another one."""
    current = validator.memberships
    visible = regions_in_scope(
        validator.user, {m.region_id for m in current.values()}, validator.visible_regions
    )
    for unit in units:
        if not unit.key:
            continue
        head = unit.head
        target_id = None
        head_membership = (
            current.get(head.id_hash)
            if head and head.id_hash and head.id_hash not in validator.elsewhere
            else None
        )
        if head_membership is not None:
            if not visible[head_membership.region_id]:
                validator.error(head, "id_number", services.registered_elsewhere_message())
            elif head_membership.relation != Relation.HEAD:
                validator.error(
                    head,
                    "relation",
                    _("该人员已是家庭%(no)s的成员，不能作为新家庭的户主")
                    % {"no": head_membership.number},
                )
            else:
                target_id = head_membership.household_id
        for row in unit.rows:
            if row is head or not row.id_hash or row.id_hash in validator.elsewhere:
                continue
            membership = current.get(row.id_hash)
            if membership is not None and membership.household_id != target_id:
                if visible[membership.region_id]:
                    validator.error(
                        row,
                        "id_number",
                        _("该人员已在家庭%(no)s中，请先办理迁出") % {"no": membership.number},
                    )
                else:
                    validator.error(row, "id_number", services.registered_elsewhere_message())


def check_elsewhere(validator: Validator, rows: list[ImportRow]) -> None:
    """A row whose ID is registered outside the user's regions gets the neutral message and
    is never written: the importer learns no more than "registered elsewhere". (Importers are
    staff: what they see of the registry is `people.selectors.people_for`'s staff rule.)"""
    hashes = [r.id_hash for r in rows if r.id_hash]
    for start in range(0, len(hashes), LOOKUP_BATCH):
        condition, params = in_list("p.id_hash", hashes[start : start + LOOKUP_BATCH])
        with connection.cursor() as cursor:
            # With each person their current household, for `check_registry`.
            cursor.execute(
                "SELECT p.id_hash, p.hukou_region_id, p.residence_region_id,"
                " m.household_id, m.relation, h.number, h.region_id"
                " FROM people_person p"
                " LEFT JOIN people_householdmember m ON m.person_id = p.id AND m.until IS NULL"
                " LEFT JOIN people_household h ON h.id = m.household_id"
                f" WHERE {condition}",
                params,
            )
            known = cursor.fetchall()
        if not known:
            continue
        visible = regions_in_scope(
            validator.user,
            {pk for row in known for pk in row[1:3] if pk is not None},  # hukou, residence
            validator.visible_regions,
        )
        for id_hash, hukou_region_id, residence_region_id, *membership in known:
            validator.registered.add(id_hash)
            if membership[0] is not None:
                validator.memberships[id_hash] = Membership(*membership)
            # Registered or living in the user's regions: `services.person_in_scope`.
            if not visible[hukou_region_id] and not (
                residence_region_id is not None and visible[residence_region_id]
            ):
                validator.elsewhere.add(id_hash)
    for row in rows:
        if row.id_hash in validator.registered:
            row.registered = True
        if row.id_hash in validator.elsewhere:
            validator.error(row, "id_number", services.registered_elsewhere_message())


def in_list(column: str, values: list) -> tuple[str, list]:
    """SQL testing `column` against a long list of values, and its parameters. PostgreSQL gets
    the list as one text the server splits (psycopg would adapt and quote each element of an
    array parameter in Python); SQLite gets one placeholder per value, bound in C. The values
    are ID hashes, household numbers or ids: none contains a comma."""
    if connection.vendor == "postgresql":
        joined = ",".join(map(str, values))
        if joined.count(",") != len(values) - 1:
            raise ValueError("a value of the list contains a comma")
        cast = "::bigint[]" if values and isinstance(values[0], int) else ""
        return f"{column} = ANY(string_to_array(%s, ','){cast})", [joined]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def ids_by(model, key: str, values: list) -> dict:
    """key -> id of the model's rows whose `key` is one of `values`, in one query (plain SQL:
    the ORM prepares each value of a long IN list on its own, which costs more than the query)."""
    if not values:
        return {}
    condition, params = in_list(key, values)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key}, id FROM {model._meta.db_table} WHERE {condition}", params)
        return dict(cursor.fetchall())
