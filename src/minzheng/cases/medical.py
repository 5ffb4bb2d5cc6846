"""Medical assistance per bill and the per-person yearly ledger — docs/DOMAIN.md §3.4.

A bill passes through basic medical insurance, critical-illness insurance and other insurance (in
that order, as the settlement recorded them); medical assistance then pays the person's ratio of
the in-policy cost still self-paid, limited by what is left of the annual cap in the calendar year
of discharge; what the person still bears is recorded as a referral to charity.

The ledger of a person and a year holds, in this order:
1. the bills already decided (their case approved): their payouts are frozen and used as they are,
   so a later bill — even one discharged earlier — never changes them;
2. the undecided bills of open cases, in discharge-date order (then by entry), each using the room
   the ones before it left: the figures the approver will freeze;
3. bills of refused or withdrawn cases, listed but never counted.

Money is integer fen. The ratio stays an exact fraction until the one half-up rounding of
``ratio × self-paid`` to whole fen (``core.money.round_half_up``); the cap is then applied to the
rounded figure, so the sum of a year's payouts never exceeds the cap by even one fen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext_noop

from minzheng.assistance.selectors import standards_in_force
from minzheng.core.money import round_half_up, yuan_str
from minzheng.people.models import HouseholdMember

from .models import CLOSED_STATES, Case, MedicalBill

KEY = "key"
NAMED = "named"
CATEGORY_LABELS = {
    KEY: gettext_noop("重点救助对象（低保对象、特困人员）"),
    NAMED: gettext_noop("其他救助对象"),
}
# Programmes whose recipients are key recipients of medical assistance.
KEY_PROGRAMMES = ("dibao_urban", "dibao_rural", "tekun")


class MissingMedicalStandard(Exception):
    """No ratio or annual cap in force for the region on the discharge date."""

    def __init__(self, key: str, on: dt.date):
        self.key, self.on = key, on
        super().__init__(f"medical.{key} {on}")


@dataclass(frozen=True)
class Terms:
    """What the rules read for one bill besides its figures."""

    category: str  # KEY or NAMED
    ratio: Fraction
    annual_cap_fen: int
    used_fen: int  # assistance already counted this calendar year before this bill


@dataclass
class Payout:
    assistance_fen: int
    charity_fen: int
    self_paid_in_policy_fen: int
    capped: bool
    trace: list[dict] = field(default_factory=list)


def _step(step: str, label: str, value, **detail) -> dict:
    return {"step": step, "label": label, "value": value, "detail": detail}


def pay_bill(bill: MedicalBill, terms: Terms) -> Payout:
    """The assistance one bill gets under `terms` (pure: no database)."""
    trace = [
        _step("category", gettext_noop("救助对象类别"), CATEGORY_LABELS[terms.category]),
        _step("total", gettext_noop("医疗费用总额"), yuan_str(bill.total_fen)),
        _step("in_policy", gettext_noop("政策范围内费用"), yuan_str(bill.in_policy_fen)),
    ]
    remaining = bill.in_policy_fen
    for step, label, paid in (
        (
            "basic_insurance",
            gettext_noop("基本医疗保险报销后政策范围内自付"),
            bill.basic_insurance_fen,
        ),
        (
            "critical_illness",
            gettext_noop("大病保险报销后政策范围内自付"),
            bill.critical_illness_fen,
        ),
        (
            "other_insurance",
            gettext_noop("其他补充保险报销后政策范围内自付"),
            bill.other_insurance_fen,
        ),
    ):
        remaining = max(0, remaining - paid)
        trace.append(_step(step, label, yuan_str(remaining), paid=yuan_str(paid)))
    computed = round_half_up(terms.ratio * remaining)
    trace.append(_step("ratio", gettext_noop("救助比例"), _ratio_str(terms.ratio)))
    trace.append(
        _step(
            "computed",
            gettext_noop("按比例计算的救助额 = 比例 × 政策范围内自付"),
            yuan_str(computed),
        )
    )
    room = max(0, terms.annual_cap_fen - terms.used_fen)
    amount = min(computed, room)
    trace += [
        _step("annual_cap", gettext_noop("年度救助限额"), yuan_str(terms.annual_cap_fen)),
        _step("used", gettext_noop("本年已救助（此前单据）"), yuan_str(terms.used_fen)),
        _step("room", gettext_noop("年度限额剩余"), yuan_str(room)),
        _step(
            "amount",
            gettext_noop("本次救助额 = min(计算额, 年度限额 − 本年已救助)"),
            yuan_str(amount),
        ),
    ]
    # What the person still bears after every payer, in and out of policy: referred to charity.
    charity = max(0, bill.total_fen - bill.insurers_fen - amount)
    trace.append(_step("charity", gettext_noop("转介慈善救助（个人仍需负担）"), yuan_str(charity)))
    return Payout(
        assistance_fen=amount,
        charity_fen=charity,
        self_paid_in_policy_fen=remaining,
        capped=computed > room,
        trace=trace,
    )


def _ratio_str(ratio: Fraction) -> str:
    # Ratios are stored as decimals ("0.70"); show them the same way.
    return f"{float(ratio):.4f}".rstrip("0").rstrip(".") if ratio.denominator != 1 else str(ratio)


# ---------------------------------------------------------------- reading the terms


def category_of(person_id: int, on: dt.date, case: Case | None = None) -> str:
    """KEY when the person is, on `on`, a 特困 person or a member of a household receiving 低保
    (the live entitlements of the platform), or the case's facts say so; NAMED otherwise (the
    county accepted the application, which names them)."""
    entitlement = apps.get_model("payments", "Entitlement")
    month = on.replace(day=1)
    households = HouseholdMember.objects.filter(person_id=person_id, since__lte=on).filter(
        Q(until__isnull=True) | Q(until__gt=on)
    )
    if not households.exists():
        # Registered in a household only after the discharge: their household now is the one
        # the registry knows for them.
        households = HouseholdMember.objects.filter(person_id=person_id, until__isnull=True)
    live = (
        entitlement.objects.filter(programme__in=KEY_PROGRAMMES, start_month__lte=on)
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
        .filter(Q(person_id=person_id) | Q(household_id__in=households.values("household_id")))
    )
    if live.exists():
        return KEY
    if case is not None:
        for member in (case.facts or {}).get("members", []):
            if member.get("person_id") == person_id and (
                member.get("dibao_recipient") or member.get("tekun_recipient")
            ):
                return KEY
    return NAMED


class _Standards:
    """The ratios and cap in force by (region, date), read once each."""

    def __init__(self):
        self._cache: dict = {}

    def get(self, region, on: dt.date) -> dict:
        key = (region.pk, on)
        if key not in self._cache:
            self._cache[key] = standards_in_force("medical", region, on)
        return self._cache[key]

    def value(self, region, on: dt.date, key: str):
        found = self.get(region, on).get(key)
        if found is None or found.value is None:
            raise MissingMedicalStandard(key, on)
        return found.value


def _terms(bill: MedicalBill, used_fen: int, standards: _Standards) -> Terms:
    region = bill.case.region
    category = category_of(bill.person_id, bill.discharged_on, bill.case)
    ratio = standards.value(
        region, bill.discharged_on, "ratio_key" if category == KEY else "ratio_named"
    )
    cap = standards.value(region, bill.discharged_on, "annual_cap")
    return Terms(
        category=category, ratio=Fraction(ratio), annual_cap_fen=int(cap), used_fen=used_fen
    )


# ---------------------------------------------------------------- the ledger


@dataclass
class LedgerLine:
    bill: MedicalBill
    status: str  # decided / pending / excluded
    assistance_fen: int | None
    charity_fen: int | None
    trace: list[dict]
    error: str = ""


@dataclass
class Ledger:
    person_id: int
    year: int
    lines: list[LedgerLine]
    decided_fen: int
    pending_fen: int
    annual_cap_fen: int | None

    @property
    def room_fen(self) -> int | None:
        if self.annual_cap_fen is None:
            return None
        return max(0, self.annual_cap_fen - self.decided_fen)


def _decided_used(person_id: int, year: int, exclude_case_id: int | None = None) -> int:
    qs = MedicalBill.objects.filter(
        person_id=person_id, discharged_on__year=year, decided_on__isnull=False
    )
    if exclude_case_id is not None:
        qs = qs.exclude(case_id=exclude_case_id)
    return sum(qs.values_list("assistance_fen", flat=True))


def person_ledger(person_id: int, year: int) -> Ledger:
    """The person's ledger of a calendar year (by discharge date); see the module's docstring."""
    bills = list(
        MedicalBill.objects.filter(person_id=person_id, discharged_on__year=year)
        .select_related("case", "case__region", "person")
        .order_by("discharged_on", "id")
    )
    standards = _Standards()
    decided = [b for b in bills if b.decided_on is not None]
    pending = [b for b in bills if b.decided_on is None and b.case.state not in CLOSED_STATES]
    excluded = [b for b in bills if b.decided_on is None and b.case.state in CLOSED_STATES]
    used = sum(b.assistance_fen or 0 for b in decided)
    lines = [LedgerLine(b, "decided", b.assistance_fen, b.charity_fen, b.trace) for b in decided]
    pending_total = 0
    for bill in pending:
        try:
            payout = pay_bill(bill, _terms(bill, used, standards))
        except MissingMedicalStandard:
            lines.append(LedgerLine(bill, "pending", None, None, [], error="missing_standard"))
            continue
        used += payout.assistance_fen
        pending_total += payout.assistance_fen
        lines.append(
            LedgerLine(bill, "pending", payout.assistance_fen, payout.charity_fen, payout.trace)
        )
    lines += [LedgerLine(b, "excluded", None, None, []) for b in excluded]
    cap = None
    if bills:
        last = bills[-1]
        try:
            cap = int(standards.value(last.case.region, last.discharged_on, "annual_cap"))
        except MissingMedicalStandard:
            cap = None
    return Ledger(
        person_id=person_id,
        year=year,
        lines=lines,
        decided_fen=sum(b.assistance_fen or 0 for b in decided),
        pending_fen=pending_total,
        annual_cap_fen=cap,
    )


def case_payouts(case: Case) -> list[tuple[MedicalBill, Payout | None]]:
    """What each undecided bill of the case gets if the case is approved now: per person and
    year, the decided bills of other cases are used first, then this case's bills in discharge
    order. Bills of other open cases are not counted here (they are decided in their turn)."""
    bills = list(
        case.medical_bills.select_related("case", "case__region", "person").order_by(
            "discharged_on", "id"
        )
    )
    standards = _Standards()
    used: dict[tuple[int, int], int] = {}
    out: list[tuple[MedicalBill, Payout | None]] = []
    for bill in bills:
        key = (bill.person_id, bill.discharged_on.year)
        if key not in used:
            used[key] = _decided_used(bill.person_id, bill.discharged_on.year, case.pk)
        try:
            payout = pay_bill(bill, _terms(bill, used[key], standards))
        except MissingMedicalStandard:
            out.append((bill, None))
            continue
        used[key] += payout.assistance_fen
        out.append((bill, payout))
    return out
