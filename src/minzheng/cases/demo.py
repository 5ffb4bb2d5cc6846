"""Demo medical-assistance cases: hospital bills across this year for some households of the
synthetic city — about one case per 500 residents, three in five of them households that receive
低保 or 特困 support (key recipients), a third in 龙泉街道 so its demo clerk has some to open.
Most are approved with payouts frozen from the yearly ledger, the rest wait at county approval
or at acceptance. Idempotent: a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import random

from django.apps import apps
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.models import AuditEvent
from minzheng.people.models import Household, HouseholdMember, Person
from minzheng.regions.models import Region

from .models import (
    ORDINARY_STAGES,
    Case,
    CaseEvent,
    Channel,
    Decision,
    MedicalBill,
    Programme,
    State,
)
from .services.intake import next_case_number
from .services.medical import freeze_case_payouts

PREFIX = "DEMO-YZS-"
PERSONS_PER_CASE = 500
HOSPITALS = (
    "荆门市第一人民医院",
    "荆门市第二人民医院",
    "东宝区人民医院",
    "钟祥市人民医院",
    "京山市人民医院",
    "沙洋县人民医院",
    "龙泉街道社区卫生服务中心",
)
CLERK_TOWNSHIP = "420802001"


def _households(rng: random.Random, count: int) -> list[Household]:
    entitlement = apps.get_model("payments", "Entitlement")
    base = (
        Household.objects.filter(region__level=Region.Level.VILLAGE, head__death_date__isnull=True)
        .annotate(size=Count("memberships", filter=Q(memberships__until__isnull=True)))
        .filter(size__gte=1)
        .exclude(assistance_cases__programme=Programme.MEDICAL)
        .select_related("region", "head")
        .order_by("id")
    )
    receiving = entitlement.objects.filter(
        programme__in=("dibao_urban", "dibao_rural", "tekun")
    ).values("household_id")
    picked: list[Household] = []
    for qs, share in (
        (base.filter(region__path__contains=f"/{CLERK_TOWNSHIP}/"), count // 3),
        (base.filter(id__in=receiving), count * 3 // 5),
        (base, count),
    ):
        taken = {p.pk for p in picked}
        ids = [h for h in qs.values_list("id", flat=True) if h not in taken]
        rng.shuffle(ids)
        need = min(share, count - len(picked))
        picked += list(base.filter(id__in=ids[:need]).order_by("id"))
    return picked[:count]


def _bill(rng: random.Random, number: str, discharged: dt.date) -> dict:
    inpatient = rng.random() < 0.75
    total = rng.randrange(300_00, 60_000_00) if inpatient else rng.randrange(200_00, 3_000_00)
    in_policy = total * rng.randrange(70, 95) // 100
    basic = in_policy * rng.randrange(50, 70) // 100
    critical = (in_policy - basic) * rng.randrange(0, 50) // 100 if total > 20_000_00 else 0
    other = (
        (in_policy - basic - critical) * rng.randrange(0, 20) // 100 if rng.random() < 0.2 else 0
    )
    stay = rng.randrange(3, 21) if inpatient else 0
    return {
        "settlement_number": number,
        "hospital": rng.choice(HOSPITALS),
        "kind": MedicalBill.Kind.INPATIENT if inpatient else MedicalBill.Kind.OUTPATIENT,
        "admitted_on": discharged - dt.timedelta(days=stay),
        "discharged_on": discharged,
        "total_fen": total,
        "in_policy_fen": in_policy,
        "basic_insurance_fen": basic,
        "critical_illness_fen": critical,
        "other_insurance_fen": other,
        "self_paid_in_policy_fen": max(0, in_policy - basic - critical - other),
        "source": MedicalBill.Source.SETTLEMENT_FILE,
    }


@transaction.atomic
def seed_demo_medical(*, on: dt.date | None = None, seed: int = 2016) -> dict:
    if MedicalBill.objects.filter(settlement_number__startswith=PREFIX).exists():
        return {"created": 0}
    on = on or timezone.localdate()
    rng = random.Random(seed)
    count = max(10, Person.objects.count() // PERSONS_PER_CASE)
    start = dt.date(on.year, 1, 1)
    span = max(1, (on - start).days - 40)
    plans = []
    serial = 0
    for household in _households(rng, count):
        members = list(
            HouseholdMember.objects.filter(
                household=household, until__isnull=True, person__death_date__isnull=True
            ).select_related("person")
        )
        if not members:
            continue
        patient = rng.choice(members).person
        first = start + dt.timedelta(days=rng.randrange(span))
        bills = []
        day = first
        for _i in range(rng.choice((1, 1, 2, 2, 3, 4))):
            if day > on - dt.timedelta(days=30):
                break
            serial += 1
            bills.append(_bill(rng, f"{PREFIX}{on.year}{serial:06d}", day))
            day += dt.timedelta(days=rng.randrange(20, 90))
        if bills:
            plans.append((household, patient, bills))
    # Decided in the order of their last discharge, as the county would have.
    plans.sort(key=lambda p: p[2][-1]["discharged_on"])
    approver = (
        apps.get_model("accounts", "User").objects.filter(username="dongbao_approver").first()
    )
    created = approved = 0
    for index, (household, patient, bills) in enumerate(plans):
        last = bills[-1]["discharged_on"]
        applied = min(on, last + dt.timedelta(days=3))
        decided = min(on, applied + dt.timedelta(days=25))
        state = (
            State.APPROVED
            if index % 5 not in (3, 4) or decided >= on
            else (State.COUNTY_REVIEW if index % 5 == 3 else State.SUBMITTED)
        )
        if state == State.APPROVED and decided >= on:
            state = State.COUNTY_REVIEW
        case = Case(
            programme=Programme.MEDICAL,
            applicant=patient,
            household=household,
            region=household.region,
            channel=Channel.WINDOW,
            reason=_("演示数据：住院医疗费用自付负担重"),
            state=state,
            applied_on=applied,
            stage_started_on=applied if state == State.SUBMITTED else decided,
            closed_on=decided if state == State.APPROVED else None,
        )
        case.number = next_case_number(household.region, applied.year)
        case.save(force_insert=True)
        MedicalBill.objects.bulk_create(
            MedicalBill(case=case, person=patient, **bill) for bill in bills
        )
        events = [
            CaseEvent(
                case=case, action="apply", to_state=State.SUBMITTED, on=applied, note=_("演示数据")
            )
        ]
        if state != State.SUBMITTED:
            # The ordinary procedure's stages, spread between the application and the decision,
            # so the case's progress reads as walked.
            stages = ORDINARY_STAGES[1:-1]
            step = max(1, (decided - applied).days // (len(stages) + 1))
            previous = State.SUBMITTED
            for n, stage in enumerate(stages, 1):
                events.append(
                    CaseEvent(
                        case=case,
                        action="demo_stage",
                        from_state=previous,
                        to_state=stage,
                        on=min(decided, applied + dt.timedelta(days=step * n)),
                        note=str(State(stage).label),
                    )
                )
                previous = stage
        if state == State.APPROVED:
            total = freeze_case_payouts(case, decided)
            Decision.objects.create(
                case=case,
                level=Decision.Level.COUNTY,
                outcome=Decision.Outcome.APPROVE,
                amount_fen=total,
                rules_amount_fen=total,
                decided_on=decided,
                decided_by=approver
                if approver
                and approver.region_id
                and household.region.path.startswith(approver.region.path)
                else None,
            )
            events.append(
                CaseEvent(
                    case=case,
                    action="county_decision",
                    from_state=State.COUNTY_REVIEW,
                    to_state=State.APPROVED,
                    on=decided,
                    note=_("县级审批批准"),
                    data={"amount_fen": total},
                )
            )
            approved += 1
        CaseEvent.objects.bulk_create(events)
        created += 1
    audit.record(
        AuditEvent.Action.IMPORT,
        object_type="cases.medicalbill",
        object_id="demo",
        object_repr=_("演示数据：医疗救助"),
        after={"cases": created, "approved": approved, "bills": serial},
    )
    return {"created": created, "approved": approved, "bills": serial}
