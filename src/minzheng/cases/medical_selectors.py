"""Scoped reads of medical bills and ledgers, shared by the pages and the API."""

from __future__ import annotations

from django.utils.translation import gettext as _

from minzheng.accounts.models import Role
from minzheng.core.errors import PermissionDeniedError
from minzheng.people import selectors as people_selectors
from minzheng.people.models import HouseholdMember, Person

from . import clock, medical
from .medical import LedgerLine
from .models import CLOSED_STATES, Case, MedicalBill, State

# County and township staff, and the city's section, read ledgers; never residents or providers.
LEDGER_ROLES = {
    Role.TOWNSHIP_CLERK,
    Role.COUNTY_APPROVER,
    Role.CITY_SECTION,
    Role.VERIFICATION_CENTRE,
    Role.ADMIN,
}


def year_or_this(year: int | None) -> int:
    return year or clock.today().year


def case_lines(case: Case) -> list[LedgerLine]:
    """The case's bills with their payouts: frozen once approved, listed but not counted when the
    case was refused or withdrawn, otherwise what approving it now would freeze."""
    if case.state == State.APPROVED or case.state in CLOSED_STATES:
        bills = case.medical_bills.select_related("person").order_by("discharged_on", "id")
        return [
            LedgerLine(b, "decided", b.assistance_fen, b.charity_fen, b.trace)
            if b.decided_on is not None
            else LedgerLine(b, "excluded", None, None, [])
            for b in bills
        ]
    lines = []
    for bill, payout in medical.case_payouts(case):
        if payout is None:
            lines.append(LedgerLine(bill, "pending", None, None, [], error="missing_standard"))
        else:
            lines.append(
                LedgerLine(bill, "pending", payout.assistance_fen, payout.charity_fen, payout.trace)
            )
    return lines


def case_total(lines: list[LedgerLine]) -> int:
    return sum(line.assistance_fen or 0 for line in lines)


def household_person(case: Case, person_id: int) -> Person | None:
    """A current member of the case's household (None otherwise: the service says why)."""
    member = (
        HouseholdMember.objects.filter(
            household_id=case.household_id, person_id=person_id, until__isnull=True
        )
        .select_related("person")
        .first()
    )
    return member.person if member else None


def household_people(case: Case) -> list[Person]:
    return [
        m.person
        for m in HouseholdMember.objects.filter(household_id=case.household_id, until__isnull=True)
        .select_related("person")
        .order_by("id")
    ]


def ledger_person(user, person_id: int) -> Person:
    if user.role not in LEDGER_ROLES and not user.is_superuser:
        raise PermissionDeniedError(_("当前账号无权查看医疗救助台账"))
    return people_selectors.get_person(user, person_id)


def person_years(person: Person) -> list[int]:
    dates = MedicalBill.objects.filter(person=person).dates("discharged_on", "year", order="DESC")
    return [d.year for d in dates]


def _trace(trace: list[dict]) -> list[dict]:
    return [{"label": str(s.get("label", "")), "value": str(s.get("value", ""))} for s in trace]


def line_out(line: LedgerLine) -> dict:
    b = line.bill
    return {
        "id": b.pk,
        "case_id": b.case_id,
        "case_number": b.case.number,
        "person": {
            "id": b.person_id,
            "name": b.person.name,
            "id_number_masked": b.person.id_masked,
        },
        "settlement_number": b.settlement_number,
        "hospital": b.hospital,
        "kind": b.kind,
        "admitted_on": b.admitted_on,
        "discharged_on": b.discharged_on,
        "total_fen": b.total_fen,
        "in_policy_fen": b.in_policy_fen,
        "basic_insurance_fen": b.basic_insurance_fen,
        "critical_illness_fen": b.critical_illness_fen,
        "other_insurance_fen": b.other_insurance_fen,
        "self_paid_in_policy_fen": b.self_paid_in_policy_fen,
        "source": b.source,
        "status": line.status,
        "assistance_fen": line.assistance_fen,
        "charity_fen": line.charity_fen,
        "decided_on": b.decided_on,
        "trace": _trace(line.trace),
    }


def ledger_out(person: Person, year: int) -> dict:
    ledger = medical.person_ledger(person.pk, year)
    return {
        "person": {"id": person.pk, "name": person.name, "id_number_masked": person.id_masked},
        "year": year,
        "annual_cap_fen": ledger.annual_cap_fen,
        "decided_fen": ledger.decided_fen,
        "pending_fen": ledger.pending_fen,
        "room_fen": ledger.room_fen,
        "bills": [line_out(line) for line in ledger.lines],
    }


def referred_to_charity(region):
    """Settled bills whose person still bears an amount after every payer (the referral to
    charity, DOMAIN §3.4): bills frozen at the approval of a medical case of the region's subtree.
    Read by charity, which records its payments on them (cases never reads charity)."""
    return (
        MedicalBill.objects.filter(
            case__state=State.APPROVED,
            decided_on__isnull=False,
            charity_fen__gt=0,
            case__region__path__startswith=region.path,
        )
        .select_related("person", "case", "case__region")
        .order_by("-discharged_on", "-id")
    )
