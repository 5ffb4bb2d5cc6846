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
    # About 3 % of records lack their certificate number (a data-completeness gap).
    certificate = f"鄂{_draw(pk, 4, 10**6):06d}" if _draw(pk, 14, 100) >= 3 else ""
    record = Recipient(
        person_id=pk,
        region_id=region_id,
        category=category,
        registered_on=_years_before(today, 1 + _draw(pk, 3, 15)),
        certificate_no=certificate,
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
        if _draw(pk, 15, 100) < 6:
            record.disability_cause = ""  # the cause not yet entered
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
    seed_demo_changes(on=today)
    return Recipient.objects.count() - before


DEMO_COUNTY = "420802"  # 东宝区: its approver has requests to act on


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@transaction.atomic
def seed_demo_changes(*, on: dt.date | None = None) -> int:
    """Changes with their history, once: approved grade changes across the city (some approved
    after the deadline), pending requests for 东宝区's approver (one already overdue), and two
    deaths in the population registry not yet on the roster (one inside the deadline, one past
    it), so 15.3 and 15.5 show real figures; a second run adds nothing (the step runs only while
    the roster has no change at all)."""
    from minzheng.accounts.models import User

    from .models import ChangeKind, ChangeStatus, RecipientChange, RecipientStatus
    from .quality import due_date

    today = on or timezone.localdate()
    requester = (
        User.objects.filter(username="longquan_clerk").first()
        or User.objects.filter(is_superuser=True).order_by("pk").first()
    )
    approver = User.objects.filter(username="dongbao_approver").first() or requester
    if requester is None or RecipientChange.objects.exists():
        return 0
    active = Recipient.objects.filter(status=RecipientStatus.ACTIVE)
    # Pending requests in 东宝区 for its approver: three inside the deadline, one overdue — a
    # grade change for a disabled veteran, else the correction of a missing or old certificate.
    dongbao = list(
        active.filter(region__path__startswith=f"420000/420800/{DEMO_COUNTY}/")
        .exclude(person__death_date__isnull=False)
        .order_by("pk")
        .values_list("pk", "category", "disability_grade", "region_id")[:4]
    )
    rows = []
    for i, (pk, category, grade, region_id) in enumerate(dongbao):
        event = today - dt.timedelta(days=45 if i == 3 else 2 + 2 * i)
        graded = category == Category.DISABLED_VETERAN and (grade or 0) > 1
        rows.append(
            RecipientChange(
                recipient_id=pk,
                kind=ChangeKind.GRADE if graded else ChangeKind.CORRECTION,
                event_on=event,
                due_on=due_date(event),
                details={"disability_grade": grade - 1}
                if graded
                else {"certificate_no": f"鄂{900000 + pk:06d}"},
                reason="伤残等级复评，评定结论为降一级" if graded else "换发优抚证件",
                region_id=region_id,
                status=ChangeStatus.PENDING,
                requested_by=requester,
                requested_at=_at(event + dt.timedelta(days=1)),
            )
        )
    # Approved grade changes across the city: every fourth approved after its deadline.
    veterans = list(
        active.filter(category=Category.DISABLED_VETERAN, disability_grade__gt=1)
        .exclude(pk__in=[d[0] for d in dongbao])
        .order_by("pk")
        .values_list("pk", "disability_grade", "region_id")[:24]
    )
    for i, (pk, grade, region_id) in enumerate(veterans):
        event = today - dt.timedelta(days=30 + 9 * i)
        due = due_date(event)
        decided = due + dt.timedelta(days=6) if i % 4 == 3 else event + dt.timedelta(days=7)
        rows.append(
            RecipientChange(
                recipient_id=pk,
                kind=ChangeKind.GRADE,
                event_on=event,
                due_on=due,
                details={"disability_grade": grade - 1},
                reason="伤残等级复评",
                region_id=region_id,
                status=ChangeStatus.APPROVED,
                requested_by=requester,
                requested_at=_at(event + dt.timedelta(days=3)),
                decided_by=approver,
                decided_at=_at(decided, 15),
            )
        )
    RecipientChange.objects.bulk_create(rows)
    if rows:
        # The grades approved above are the records' grades now.
        for change in rows:
            if change.status == ChangeStatus.APPROVED:
                Recipient.objects.filter(pk=change.recipient_id).update(
                    disability_grade=change.details["disability_grade"]
                )
        _registry_deaths(today)
    return len(rows)


def _registry_deaths(today: dt.date) -> None:
    """Two recipients of 东宝区 whose death the registry holds but the roster does not yet."""
    candidates = list(
        Recipient.objects.filter(
            status="active",
            region__path__startswith=f"420000/420800/{DEMO_COUNTY}/",
            person__death_date__isnull=True,
            changes__isnull=True,
        )
        .exclude(category=Category.DISABLED_VETERAN)
        .order_by("pk")
        .values_list("person_id", flat=True)[:2]
    )
    for person_id, days in zip(candidates, (5, 60), strict=False):
        Person.objects.filter(pk=person_id, death_date__isnull=True).update(
            death_date=today - dt.timedelta(days=days)
        )
