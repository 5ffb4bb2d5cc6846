"""Reads of marriage registration. Records are scoped by their registry's region (a registrar
its county, the city section every county); anything else is not found. `current_marriage` and
the checks the services make read the whole city unscoped, and never return a record to a user."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractMonth

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_q
from minzheng.people.models import HouseholdMember, Person, Relation

from . import rules
from .models import (
    Appointment,
    AppointmentStatus,
    ArchiveFile,
    Divorce,
    DivorceStatus,
    Marriage,
    MarriageStatus,
    QualityCheck,
)
from .permissions import is_resident, may_read_records, may_see_statistics

# The day's slots of a registry, each taking this many couples.
SLOTS = ("09:00", "10:00", "11:00", "14:30", "15:30", "16:30")
SLOT_CAPACITY = 4


def current_marriage(person: Person) -> Marriage | None:
    """The person's living marriage registered on the platform, or None."""
    return (
        Marriage.objects.filter(Q(man=person) | Q(woman=person), status=MarriageStatus.MARRIED)
        .select_related("registry")
        .first()
    )


def registry_spouse(person: Person) -> Person | None:
    """The spouse the population registry shows by household (a current member recorded as the
    head's spouse, or the head of the household the person is the spouse in), or None."""
    own = HouseholdMember.objects.filter(person=person, until__isnull=True).first()
    if own is None:
        return None
    if own.relation == Relation.HEAD:
        other = HouseholdMember.objects.filter(
            household_id=own.household_id, until__isnull=True, relation=Relation.SPOUSE
        ).first()
    elif own.relation == Relation.SPOUSE:
        other = HouseholdMember.objects.filter(
            household_id=own.household_id, until__isnull=True, relation=Relation.HEAD
        ).first()
    else:
        return None
    return other.person if other else None


def kinship_between(a: Person, b: Person) -> str:
    """The prohibited kinship the household records imply between two people (any household
    both were ever members of), or ""."""
    rows = HouseholdMember.objects.filter(person__in=[a, b]).values_list(
        "household_id", "person_id", "relation"
    )
    by_household: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for household_id, person_id, relation in rows:
        by_household[household_id][person_id].add(relation)
    for members in by_household.values():
        for ra in members.get(a.pk, ()):
            for rb in members.get(b.pk, ()):
                found = rules.prohibited_kinship(ra, rb)
                if found:
                    return found
    return ""


# ---------------------------------------------------------------- scoped records


def marriages_for(user) -> QuerySet[Marriage]:
    if not may_read_records(user):
        return Marriage.objects.none()
    return Marriage.objects.filter(scope_q(user, "registry")).select_related(
        "registry", "man", "woman"
    )


def get_marriage(user, pk: int) -> Marriage:
    found = marriages_for(user).filter(pk=pk).first()
    if found is None:
        raise NotFoundOrOutOfScope()
    return found


def get_archive(user, marriage_pk: int, pk: int) -> ArchiveFile:
    """One scanned document of a registration the user reads; anything else is not found."""
    found = (
        ArchiveFile.objects.filter(
            pk=pk, marriage_id=marriage_pk, marriage__in=marriages_for(user).values("pk")
        )
        .select_related("marriage__registry")
        .first()
    )
    if found is None:
        raise NotFoundOrOutOfScope()
    return found


def divorces_for(user) -> QuerySet[Divorce]:
    if not may_read_records(user):
        return Divorce.objects.none()
    return Divorce.objects.filter(scope_q(user, "registry")).select_related(
        "registry", "marriage__man", "marriage__woman"
    )


def get_divorce(user, pk: int) -> Divorce:
    found = divorces_for(user).filter(pk=pk).first()
    if found is None:
        raise NotFoundOrOutOfScope()
    return found


def appointments_for(user) -> QuerySet[Appointment]:
    qs = Appointment.objects.select_related("registry", "person", "partner")
    if may_read_records(user):
        return qs.filter(scope_q(user, "registry"))
    if is_resident(user):
        return qs.filter(person_id=user.person_id)
    return Appointment.objects.none()


def get_appointment(user, pk: int) -> Appointment:
    found = appointments_for(user).filter(pk=pk).first()
    if found is None:
        raise NotFoundOrOutOfScope()
    return found


def day_appointments(user, day: dt.date) -> QuerySet[Appointment]:
    return appointments_for(user).filter(day=day, status=AppointmentStatus.BOOKED)


def free_slots(registry, day: dt.date) -> list[tuple[str, int]]:
    """(slot, places left) of a registry's day."""
    taken = dict(
        Appointment.objects.filter(registry=registry, day=day, status=AppointmentStatus.BOOKED)
        .values_list("slot")
        .annotate(n=Count("id"))
    )
    return [(slot, SLOT_CAPACITY - taken.get(slot, 0)) for slot in SLOTS]


def cooling_divorces(user) -> QuerySet[Divorce]:
    return divorces_for(user).filter(status=DivorceStatus.COOLING)


def due_for_confirmation(user, today: dt.date) -> QuerySet[Divorce]:
    """Applications past their cooling-off and still within the 30 days to confirm."""
    return cooling_divorces(user).filter(cooling_ends_on__lt=today, confirm_by__gte=today)


def checks_for(user) -> QuerySet[QualityCheck]:
    if not may_read_records(user):
        return QualityCheck.objects.none()
    return QualityCheck.objects.filter(scope_q(user, "registry")).select_related("marriage")


def unchecked_marriages(user, year: int) -> QuerySet[Marriage]:
    return marriages_for(user).filter(registered_on__year=year, checks__isnull=True)


# ---------------------------------------------------------------- statistics (no person)


def statistics(user, year: int) -> dict:
    """Marriages and divorces registered in `year` by month and by county registry, for any role
    that reads statistics (counts only)."""
    if not may_see_statistics(user):
        return {"months": [], "counties": [], "total_marriages": 0, "total_divorces": 0}
    marriages = Marriage.objects.filter(scope_q(user, "registry"), registered_on__year=year)
    divorces = Divorce.objects.filter(
        scope_q(user, "registry"), status=DivorceStatus.REGISTERED, registered_on__year=year
    )
    by_month = {m: [0, 0] for m in range(1, 13)}
    for month, n in (
        marriages.annotate(m=ExtractMonth("registered_on")).values_list("m").annotate(n=Count("id"))
    ):
        by_month[month][0] = n
    for month, n in (
        divorces.annotate(m=ExtractMonth("registered_on")).values_list("m").annotate(n=Count("id"))
    ):
        by_month[month][1] = n
    counties: dict[str, list] = {}
    for code, name, n in marriages.values_list("registry__code", "registry__name").annotate(
        n=Count("id")
    ):
        counties.setdefault(code, [name, 0, 0])[1] = n
    for code, name, n in divorces.values_list("registry__code", "registry__name").annotate(
        n=Count("id")
    ):
        counties.setdefault(code, [name, 0, 0])[2] = n
    return {
        "months": [(m, v[0], v[1]) for m, v in by_month.items()],
        "counties": [(code, *counties[code]) for code in sorted(counties)],
        "total_marriages": sum(v[0] for v in by_month.values()),
        "total_divorces": sum(v[1] for v in by_month.values()),
    }
