"""Writing the validated units: people, households and memberships, committed in chunks."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from .. import services
from ..models import Person, Relation
from .report import Progress
from .rows import ImportRow, Unit

DEFAULT_CHUNK_HOUSEHOLDS = 50


@dataclass
class Counts:
    created_people: int = 0
    created_households: int = 0
    existing: int = 0
    existing_households: int = 0


def _write_unit(unit: Unit, *, user, since: dt.date, counts: Counts) -> None:
    people: list[tuple[ImportRow, Person]] = []
    for row in unit.rows:
        person = Person.objects.filter(id_hash=row.id_hash).first()
        if person is None:
            person = services.register_person(
                user=user,
                id_number=row.id_number,
                name=row.name,
                hukou_region=row.region,
                hukou_type=row.hukou_type,
                birth_date=row.birth_date,
                sex=row.sex or None,
                disability_type=row.disability_type,
                disability_grade=row.disability_grade,
                phone=row.phone,
            )
            counts.created_people += 1
        else:
            counts.existing += 1
        people.append((row, person))
    if not unit.key:
        return
    head_row, head = next((r, p) for r, p in people if r.relation == Relation.HEAD)
    members = [(p, r.relation) for r, p in people if p.pk != head.pk]
    membership = (
        head.memberships.filter(until__isnull=True, relation=Relation.HEAD)
        .select_related("household")
        .first()
    )
    if membership is None:
        services.create_household(
            user=user,
            region=head_row.region,
            head=head,
            address=head_row.address or _first(unit, "address"),
            bank_name=head_row.bank_name or _first(unit, "bank_name"),
            bank_account=head_row.bank_account or _first(unit, "bank_account"),
            members=members,
            since=since,
        )
        counts.created_households += 1
        return
    household = membership.household
    counts.existing_households += 1
    in_household = set(
        household.memberships.filter(until__isnull=True).values_list("person_id", flat=True)
    )
    for person, relation in members:
        if person.pk not in in_household:
            services.add_member(
                user=user, household=household, person=person, relation=relation, since=since
            )


def _first(unit: Unit, key: str) -> str:
    return next((getattr(r, key) for r in unit.rows if getattr(r, key)), "")


def write(
    units: list[Unit],
    *,
    user,
    since: dt.date,
    chunk_households: int,
    total_rows: int,
    progress: Progress,
) -> Counts:
    """Each chunk of units commits on its own: a crash loses at most the chunk in flight, and the
    next run finds the committed ones already registered."""
    counts = Counts()
    done = 0
    for start in range(0, len(units), chunk_households):
        chunk = units[start : start + chunk_households]
        chunk_counts = Counts()
        with transaction.atomic():
            for unit in chunk:
                _write_unit(unit, user=user, since=since, counts=chunk_counts)
        for name in asdict(counts):
            setattr(counts, name, getattr(counts, name) + getattr(chunk_counts, name))
        done += sum(len(u.rows) for u in chunk)
        progress(
            done,
            total_rows,
            _("正在写入：已处理%(done)d行，共%(total)d行") % {"done": done, "total": total_rows},
        )
    return counts
