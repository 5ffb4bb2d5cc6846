"""Demo records of the two linked registers, derived from the loaded synthetic city and its demo
beneficiaries, so that the plan's targets 2.6 and 2.8 have figures on a new install.

Proportions (synthetic, deterministic by record id, docs/DOMAIN.md §3.4): of the 低保/特困
recipients about 92 % are enrolled in the residents' scheme with a civil-affairs subsidy (特困 the
whole premium, 低保 half of it), 5 % enrolled without one, 3 % not found enrolled; of everyone
else 95 % enrolled, a quarter of working-age adults in the employees' scheme. Registered poor
households: 45 % of rural recipient households and 3 % of the other rural households; of those,
in the current year 70 % lifted out, 18 % still poor, 12 % back in poverty (the year before, the
returned ones were still counted lifted). Writes are set-based and ignore rows already held, so
a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minzheng.core import audit
from minzheng.core.models import AuditEvent
from minzheng.people.models import HouseholdMember, Person

from .indicators import recipients_on
from .models import InsuranceEnrolment, InsuranceScheme, PovertyRecord, PovertyStatus

# Yearly individual premium of the residents' scheme in yuan (the national floor, rounded).
RESIDENT_PREMIUM = {2016: 150, 2017: 180, 2018: 220, 2019: 250, 2020: 280, 2021: 320, 2022: 350}
LATEST_PREMIUM = 400
EMPLOYEE_PREMIUM = 1200


def _draw(pk: int, salt: int) -> int:
    """A deterministic number 0–99 from a record id, independent between salts."""
    digest = hashlib.blake2b(f"{salt}:{pk}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % 100


def _premium_fen(year: int) -> int:
    return RESIDENT_PREMIUM.get(year, LATEST_PREMIUM if year > 2022 else 150) * 100


@transaction.atomic
def seed_demo_linkage(*, on: dt.date | None = None) -> dict:
    on = on or timezone.localdate()
    recipients = recipients_on(on)
    from django.apps import apps

    Entitlement = apps.get_model("payments", "Entitlement")
    tekun = set(
        Entitlement.objects.filter(programme="tekun", person__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    alive = Person.objects.filter(Q(death_date__isnull=True) | Q(death_date__gt=on)).values_list(
        "pk", "hukou_region_id", "birth_date"
    )
    enrolments = []
    for year in (on.year - 1, on.year):
        premium = _premium_fen(year)
        for pk, region_id, birth in alive.iterator(chunk_size=5000):
            draw = _draw(pk, year)
            if pk in recipients:
                if draw >= 97:
                    continue
                subsidised = draw < 92
                subsidy = (premium if pk in tekun else premium // 2) if subsidised else 0
                scheme, amount = InsuranceScheme.RESIDENT, premium
            else:
                if draw >= 95:
                    continue
                age = year - birth.year
                employee = 18 <= age < 60 and _draw(pk, 7) < 25
                scheme = InsuranceScheme.EMPLOYEE if employee else InsuranceScheme.RESIDENT
                amount = EMPLOYEE_PREMIUM * 100 if employee else premium
                subsidised, subsidy = False, 0
            enrolments.append(
                InsuranceEnrolment(
                    person_id=pk,
                    year=year,
                    scheme=scheme,
                    premium_fen=amount,
                    subsidised=subsidised,
                    subsidy_fen=subsidy,
                    region_id=region_id,
                )
            )
    before = InsuranceEnrolment.objects.count()
    InsuranceEnrolment.objects.bulk_create(enrolments, batch_size=2000, ignore_conflicts=True)
    enrolled = InsuranceEnrolment.objects.count() - before

    recipient_households = set(
        HouseholdMember.objects.filter(
            person_id__in=list(recipients), until__isnull=True
        ).values_list("household_id", flat=True)
    )
    members = HouseholdMember.objects.filter(
        until__isnull=True,
        household__region__urban_rural="rural",
        person__death_date__isnull=True,
    ).values_list("household_id", "household__region__code", "person_id", "person__hukou_region_id")
    records = []
    for household_id, village, person_id, region_id in members.iterator(chunk_size=5000):
        chosen = _draw(household_id, 11) < (45 if household_id in recipient_households else 3)
        if not chosen:
            continue
        draw = _draw(household_id, 13)
        now = (
            PovertyStatus.LIFTED
            if draw < 70
            else PovertyStatus.POOR
            if draw < 88
            else PovertyStatus.RETURNED
        )
        number = f"FP{village[:6]}{household_id:08d}"
        for year, status in (
            (on.year - 1, PovertyStatus.LIFTED if now == PovertyStatus.RETURNED else now),
            (on.year, now),
        ):
            records.append(
                PovertyRecord(
                    person_id=person_id,
                    year=year,
                    household_number=number,
                    status=status,
                    region_id=region_id,
                )
            )
    before = PovertyRecord.objects.count()
    PovertyRecord.objects.bulk_create(records, batch_size=2000, ignore_conflicts=True)
    registered = PovertyRecord.objects.count() - before
    counts = {"enrolments": enrolled, "poverty_records": registered}
    if enrolled or registered:
        audit.record(
            AuditEvent.Action.IMPORT,
            object_type="linkage.demo",
            object_repr="扶贫与医保衔接演示数据",
            after={**counts, "on": on.isoformat()},
            note="演示数据：建档立卡贫困人口和基本医疗保险参保",
        )
    return counts
