"""Demo roster of special-care recipients (优抚对象) drawn from the loaded synthetic city, so the
roster, its benefits and its data-quality figures have records on a new install.

Shares (synthetic, deterministic by person id; docs/DOMAIN.md §6): about 1 % of living adults, in
the mix of a Hubei prefecture's roster — veterans (disabled, living in the countryside, discharged
with illness, war and weapons-test veterans) aged 45 and over, families of martyrs and of soldiers
who died in service aged 40 and over, and families of serving soldiers aged 40 to 65 (mostly
conscripts' parents). Identity is authenticated for most records; certificates are numbered.

Writes are set-based (bulk inserts that ignore rows already held); a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minzheng.people.models import Person

from .models import (
    Category,
    DisabilityCause,
    IdCheckMethod,
    Recipient,
    Relation,
    ServiceKind,
)

# Of every 10,000 living adults: (category, draws, lowest age, highest age); the age limits turn
# the 200 draws into about 1 % of adults.
MIX = [
    (Category.DISABLED_VETERAN, 50, 45, 95),
    (Category.RURAL_VETERAN, 30, 70, 95),
    (Category.ILLNESS_VETERAN, 20, 45, 85),
    (Category.WAR_VETERAN, 30, 55, 90),
    (Category.TEST_VETERAN, 6, 55, 90),
    (Category.MARTYR_FAMILY, 14, 40, 95),
    (Category.DUTY_DEATH_FAMILY, 10, 40, 95),
    (Category.ILLNESS_DEATH_FAMILY, 10, 40, 95),
    (Category.SERVING_FAMILY, 30, 40, 65),
]
UNITS = ["武汉军区某部", "广州军区某部", "济南军区某部", "南京军区某部", "武警湖北总队某支队"]
SOLDIER_GIVEN = ["建军", "国强", "卫东", "志刚", "海军", "振华"]


def _draw(pk: int, salt: int, modulo: int = 10000) -> int:
    digest = hashlib.blake2b(f"specialcare:{salt}:{pk}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % modulo


def _years_before(day: dt.date, years: int) -> dt.date:
    return dt.date(day.year - years, day.month, min(day.day, 28))


def _category(pk: int, age: int) -> Category | None:
    draw = _draw(pk, 1)
    for category, share, lowest, highest in MIX:
        if draw < share:
            return category if lowest <= age <= highest else None
        draw -= share
    return None


def _record(pk: int, name: str, birth: dt.date, region_id: int, today: dt.date) -> Recipient | None:
    age = today.year - birth.year
    category = _category(pk, age)
    if category is None:
        return None
    checked = _draw(pk, 2, 100) < 92
    record = Recipient(
        person_id=pk,
        region_id=region_id,
        category=category,
        registered_on=_years_before(today, 1 + _draw(pk, 3, 15)),
        certificate_no=f"鄂{_draw(pk, 4, 10**6):06d}",
        id_checked_on=_years_before(today, _draw(pk, 5, 3)) if checked else None,
        id_check_method=IdCheckMethod.CARD_READER if checked else "",
    )
    if category in (
        Category.DISABLED_VETERAN,
        Category.RURAL_VETERAN,
        Category.ILLNESS_VETERAN,
        Category.WAR_VETERAN,
        Category.TEST_VETERAN,
    ):
        enlisted = _years_before(birth, -(18 + _draw(pk, 6, 3)))
        record.enlisted_on = enlisted
        record.discharged_on = _years_before(enlisted, -(3 + _draw(pk, 7, 10)))
        record.service_unit = UNITS[_draw(pk, 8, len(UNITS))]
    if category == Category.DISABLED_VETERAN:
        record.disability_grade = 1 + _draw(pk, 9, 10)
        record.disability_cause = [
            DisabilityCause.WAR,
            DisabilityCause.DUTY,
            DisabilityCause.ILLNESS,
        ][_draw(pk, 10, 3)]
    if category in (
        Category.MARTYR_FAMILY,
        Category.DUTY_DEATH_FAMILY,
        Category.ILLNESS_DEATH_FAMILY,
        Category.SERVING_FAMILY,
    ):
        record.soldier_name = name[:1] + SOLDIER_GIVEN[_draw(pk, 11, len(SOLDIER_GIVEN))]
        record.relation = Relation.PARENT if age >= 40 else Relation.SPOUSE
    if category in (
        Category.MARTYR_FAMILY,
        Category.DUTY_DEATH_FAMILY,
        Category.ILLNESS_DEATH_FAMILY,
    ):
        record.soldier_died_on = _years_before(today, 2 + _draw(pk, 12, 30))
    if category == Category.SERVING_FAMILY:
        record.service_kind = ServiceKind.CONSCRIPT if _draw(pk, 13, 10) < 7 else ServiceKind.NCO
    return record


@transaction.atomic
def seed_demo_roster(*, on: dt.date | None = None) -> int:
    """About 1 % of living adults on the roster, once; the number of records added."""
    today = on or timezone.localdate()
    adults = (
        Person.objects.filter(birth_date__lte=_years_before(today, 18))
        .filter(Q(death_date__isnull=True) | Q(death_date__gt=today))
        .values_list("pk", "name", "birth_date", "hukou_region_id")
    )
    rows = [
        r
        for pk, name, birth, region_id in adults.iterator(chunk_size=5000)
        if (r := _record(pk, name, birth, region_id, today)) is not None
    ]
    before = Recipient.objects.count()
    Recipient.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return Recipient.objects.count() - before
