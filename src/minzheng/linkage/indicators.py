"""The plan's social-assistance targets 2.4–2.8, computed from the platform's records for every
region at once (docs/DOMAIN.md §3; the plan's wording in targets/seed/plan-2016.json).

Who is a 低保/特困 recipient on a date d (2.6 and 2.8): a person covered by an entitlement of
the 低保 programmes (every member of the household on d) or a 特困 entitlement (the person) that
is live on d: started on or before d, and either still running (normal or suspended) or ended in
d's month or later. Counted once per person, in the entitlement's region.

- 2.4 temp_assistance_standard_itemised: 1 when every itemised temporary-assistance standard
  (each parameter of the 临时救助 programme: the caps of the emergency and the expenditure type,
  the township approval limit, the paperwork period) is in force for the unit on d with a value
  above zero, else 0; a unit above the townships scores 1 only when it and every unit below it do.
- 2.5 medical_assistance_inpatient_ratio: Σ medical assistance paid ÷ Σ in-policy cost still
  self-paid after basic, critical-illness and other insurance × 100, for key recipients (低保 or
  特困), over d's year up to d. Where the cases app holds settled bills (`MedicalBill`), each
  inpatient bill decided in the year counts with its frozen payout, for a patient who is a
  recipient on d; an approved application without bills counts with the amount the county
  decided and the bill in its facts, for a patient its facts mark as a recipient.
- 2.6 insurance_funding_rate: recipients on d with a basic medical-insurance enrolment of d's year
  whose premium civil affairs subsidised ÷ recipients on d × 100.
- 2.7 one_door_townships (its rate 2.7 is derived over the townships in force): townships where
  a window application (窗口申请) was received in the twelve months up to d — the window is where
  one door accepts every programme.
- 2.8 poverty_backstop_rate: of the registered poor of d's year still in poverty (未脱贫, 返贫)
  who are eligible for 低保 or 特困, the share who receive it. Eligible means the rules found so:
  either they receive it (the rules made the entitlement), or their household's 低保/特困
  application of the last twelve months, refused or still open, passes the rules
  (`cases.assessment.assess_case`) on its facts. A registered poor person whose household never
  applied has no facts to evaluate and is not counted either way.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.apps import apps
from django.db.models import Exists, OuterRef, Q

from minzheng.core.money import parse_yuan
from minzheng.targets.indicators import computes, rollup_rate, rollup_sum

from .models import IN_POVERTY, InsuranceEnrolment, PovertyRecord

DIBAO = ("dibao_urban", "dibao_rural")
# The itemised temporary-assistance standards (assistance.params.REGISTRY["temporary"], whose
# other entries are workflow parameters every programme carries).
TEMPORARY_ITEMS = (
    "cap_emergency",
    "cap_expenditure",
    "township_approval_limit",
    "emergency_paperwork_days",
)
TEKUN = "tekun"


def _live_on(on: dt.date) -> Q:
    month = on.replace(day=1)
    return Q(start_month__lte=on) & (
        Q(end_month__isnull=True, status__in=["active", "suspended"]) | Q(end_month__gte=month)
    )


def recipients_on(on: dt.date) -> dict[int, int]:
    """person id -> region id of every 低保/特困 recipient on the date (two queries)."""
    Entitlement = apps.get_model("payments", "Entitlement")
    HouseholdMember = apps.get_model("people", "HouseholdMember")
    live = Entitlement.objects.filter(_live_on(on))
    result: dict[int, int] = {}
    dibao = live.filter(programme__in=DIBAO, household=OuterRef("household_id"))
    members = (
        HouseholdMember.objects.filter(Exists(dibao), since__lte=on)
        .filter(Q(until__isnull=True) | Q(until__gt=on))
        .values_list("person_id", "household__region_id")
    )
    result.update(members)
    result.update(
        live.filter(programme=TEKUN, person__isnull=False).values_list("person_id", "region_id")
    )
    return result


@computes("insurance_funding_rate")
def insurance_funding(regions, on_date: dt.date) -> dict[str, Decimal]:
    regions = list(regions)
    recipients = recipients_on(on_date)
    subsidised = set(
        InsuranceEnrolment.objects.filter(year=on_date.year, subsidised=True)
        .filter(person_id__in=list(recipients))
        .values_list("person_id", flat=True)
    )
    total: dict[int, int] = defaultdict(int)
    funded: dict[int, int] = defaultdict(int)
    for person_id, region_id in recipients.items():
        total[region_id] += 1
        funded[region_id] += person_id in subsidised
    return rollup_rate(funded, total, regions)


def _assessed_eligible(person_ids: set[int], on: dt.date) -> set[int]:
    """Of these people, those whose household's 低保/特困 application of the last twelve months,
    refused or still open, passes the rules on its facts."""
    if not person_ids:
        return set()
    from minzheng.cases.assessment import assess_case

    Case = apps.get_model("cases", "Case")
    HouseholdMember = apps.get_model("people", "HouseholdMember")
    household_of = dict(
        HouseholdMember.objects.filter(person_id__in=list(person_ids), since__lte=on)
        .filter(Q(until__isnull=True) | Q(until__gt=on))
        .values_list("person_id", "household_id")
    )
    cases = (
        Case.objects.filter(
            household_id__in=set(household_of.values()),
            programme__in=(*DIBAO, TEKUN),
            applied_on__lte=on,
            applied_on__gt=on - dt.timedelta(days=365),
        )
        .exclude(state__in=["approved", "withdrawn"])
        .select_related("household", "applicant", "region")
        .order_by("household_id", "-applied_on", "-id")
    )
    eligible_households: set[int] = set()
    seen: set[int] = set()
    for case in cases:
        if case.household_id in seen:
            continue  # the household's latest application speaks for it
        seen.add(case.household_id)
        assessment = assess_case(case, on=min(on, case.closed_on or on))
        if assessment is not None and assessment.eligible and not assessment.error:
            eligible_households.add(case.household_id)
    return {p for p, h in household_of.items() if h in eligible_households}


@computes("poverty_backstop_rate")
def poverty_backstop(regions, on_date: dt.date) -> dict[str, Decimal]:
    regions = list(regions)
    poor = dict(
        PovertyRecord.objects.filter(year=on_date.year, status__in=IN_POVERTY).values_list(
            "person_id", "region_id"
        )
    )
    recipients = recipients_on(on_date)
    receiving = {p for p in poor if p in recipients}
    waiting = _assessed_eligible(set(poor) - receiving, on_date)
    eligible: dict[int, int] = defaultdict(int)
    covered: dict[int, int] = defaultdict(int)
    for person_id in receiving | waiting:
        eligible[poor[person_id]] += 1
        covered[poor[person_id]] += person_id in receiving
    return rollup_rate(covered, eligible, regions)


@computes("one_door_townships")
def one_door_townships(regions, on_date: dt.date) -> dict[str, Decimal]:
    regions = list(regions)
    Case = apps.get_model("cases", "Case")
    paths = (
        Case.objects.filter(
            channel="window",
            applied_on__lte=on_date,
            applied_on__gt=on_date - dt.timedelta(days=365),
        )
        .order_by()
        .values_list("region__path", flat=True)
        .distinct()
    )
    townships = {
        r.code: r.pk
        for r in regions
        if r.level == "township"
        and r.kind == "statutory"
        and (r.valid_from is None or r.valid_from <= on_date)
        and (r.valid_to is None or r.valid_to > on_date)
    }
    counted = {
        townships[code]: 1
        for path in paths
        for code in path.strip("/").split("/")
        if code in townships
    }
    return rollup_sum(counted, regions)


def _bill_self_paid(facts: dict) -> tuple[int, bool] | None:
    """(in-policy self-paid fen, patient is a key recipient) from an application's facts."""
    bill = (facts or {}).get("medical")
    if not isinstance(bill, dict):
        return None
    try:
        in_policy = parse_yuan(bill.get("in_policy", 0))
        paid = sum(
            parse_yuan(bill.get(k, 0) or 0)
            for k in ("basic_insurance", "critical_illness", "other_insurance")
        )
        patient = int(bill.get("patient", 0))
    except (TypeError, ValueError):
        return None
    members = facts.get("members") or []
    member = members[patient] if 0 <= patient < len(members) else {}
    key = bool(member.get("dibao_recipient") or member.get("tekun_recipient"))
    return max(0, in_policy - paid), key


@computes("medical_assistance_inpatient_ratio")
def medical_inpatient_ratio(regions, on_date: dt.date) -> dict[str, Decimal]:
    regions = list(regions)
    Case = apps.get_model("cases", "Case")
    Decision = apps.get_model("cases", "Decision")
    paid: dict[int, int] = defaultdict(int)
    self_paid: dict[int, int] = defaultdict(int)
    year_start = dt.date(on_date.year, 1, 1)
    billed: set[int] = set()
    MedicalBill = apps.get_model("cases", "MedicalBill")
    # Settled inpatient bills decided this year: what assistance paid of what was self-paid in
    # policy, for key recipients (a 低保/特困 recipient on the date). Approved cases from before
    # bills were kept are read from their facts below.
    recipients = recipients_on(on_date)
    bills = MedicalBill.objects.filter(
        kind="inpatient",
        assistance_fen__isnull=False,
        decided_on__gte=year_start,
        decided_on__lte=on_date,
    ).values_list(
        "case_id", "case__region_id", "person_id", "assistance_fen", "self_paid_in_policy_fen"
    )
    for case_id, region_id, person_id, assistance, own in bills:
        billed.add(case_id)
        if person_id in recipients:
            paid[region_id] += assistance
            self_paid[region_id] += own
    rows = [
        row
        for row in Case.objects.filter(
            programme="medical",
            state="approved",
            closed_on__gte=year_start,
            closed_on__lte=on_date,
        ).values_list("pk", "region_id", "facts")
        if row[0] not in billed
    ]
    decided = dict(
        Decision.objects.filter(
            case_id__in=[pk for pk, _r, _f in rows], level="county", outcome="approve"
        )
        .order_by("case_id", "id")
        .values_list("case_id", "amount_fen")
    )
    for pk, region_id, facts in rows:
        bill = _bill_self_paid(facts)
        if bill is None or not bill[1] or decided.get(pk) is None:
            continue
        paid[region_id] += decided[pk]
        self_paid[region_id] += bill[0]
    return rollup_rate(paid, self_paid, regions)


@computes("temp_assistance_standard_itemised")
def temp_standard_itemised(regions, on_date: dt.date) -> dict[str, Decimal]:
    from minzheng.assistance.selectors import standards_table

    regions = list(regions)
    keys = TEMPORARY_ITEMS
    table = standards_table(on_date)
    own: dict[str, bool] = {}
    for region in regions:
        if region.level == "village" or region.is_zone:
            continue
        standards = [table.standard(region.path, "temporary", k) for k in keys]
        own[region.path] = bool(keys) and all(
            s is not None and s.value is not None and s.value > 0 for s in standards
        )
    result: dict[str, Decimal] = {}
    for region in regions:
        if region.level == "village":
            continue
        prefixes = [m.path for m in region.members.all()] if region.is_zone else [region.path]
        below = [ok for path, ok in own.items() if any(path.startswith(p) for p in prefixes)]
        if below:
            result[region.code] = Decimal(1) if all(below) else Decimal(0)
    return result
