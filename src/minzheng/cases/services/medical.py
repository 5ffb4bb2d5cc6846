"""Medical bills of a medical-assistance case: typed by a clerk, or loaded from the medical
insurance one-stop settlement file (一站式结算), and frozen into payouts at the county approval —
docs/DOMAIN.md §3.4, computation in `cases.medical`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import ServiceError
from minzheng.core.money import yuan_str
from minzheng.people.models import HouseholdMember, Person

from .. import medical
from ..models import Case, MedicalBill, Programme
from .guards import CLERK, _event, _guard, _locked, _state_conflict, _today

MAX_BILL_FEN = 100_000_000_00  # 1 亿元: far above any hospital bill, below any overflow


@dataclass
class BillFields:
    settlement_number: str
    hospital: str
    kind: str
    admitted_on: dt.date | None
    discharged_on: dt.date | None
    total_fen: int | None
    in_policy_fen: int | None
    basic_insurance_fen: int | None = 0
    critical_illness_fen: int | None = 0
    other_insurance_fen: int | None = 0
    self_paid_in_policy_fen: int | None = None  # computed when not given
    errors: dict = field(default_factory=dict)


def validate_bill(f: BillFields, *, today: dt.date) -> dict[str, list[str]]:
    """Field-level Chinese errors of a bill's figures; fills `self_paid_in_policy_fen` when it was
    not given (in-policy cost less the three insurers, never below zero)."""
    errors: dict[str, list[str]] = {}
    f.settlement_number = (f.settlement_number or "").strip()
    f.hospital = (f.hospital or "").strip()
    if not f.settlement_number:
        errors["settlement_number"] = [_("请填写结算单号")]
    elif len(f.settlement_number) > 64:
        errors["settlement_number"] = [_("结算单号不能超过64个字符")]
    if not f.hospital:
        errors["hospital"] = [_("请填写医疗机构")]
    elif len(f.hospital) > 100:
        errors["hospital"] = [_("医疗机构名称不能超过100个字符")]
    if f.kind not in MedicalBill.Kind.values:
        errors["kind"] = [_("就诊类别应为住院或门诊")]
    if f.admitted_on is None:
        errors["admitted_on"] = [_("请填写入院（就诊）日期")]
    if f.discharged_on is None:
        errors["discharged_on"] = [_("请填写出院（结算）日期")]
    elif f.discharged_on > today:
        errors["discharged_on"] = [_("出院（结算）日期不能晚于今天")]
    elif f.admitted_on is not None and f.admitted_on > f.discharged_on:
        errors["admitted_on"] = [_("入院日期不能晚于出院日期")]
    for name, label in (
        ("total_fen", _("医疗费用总额")),
        ("in_policy_fen", _("政策范围内费用")),
        ("basic_insurance_fen", _("基本医疗保险支付")),
        ("critical_illness_fen", _("大病保险支付")),
        ("other_insurance_fen", _("其他保险支付")),
        ("self_paid_in_policy_fen", _("政策范围内个人自付")),
    ):
        value = getattr(f, name)
        if value is None:
            if name in ("total_fen", "in_policy_fen"):
                errors[name] = [_("请填写%(f)s") % {"f": label}]
            elif name != "self_paid_in_policy_fen":
                setattr(f, name, 0)
        elif value < 0:
            errors[name] = [_("%(f)s不能为负数") % {"f": label}]
        elif value > MAX_BILL_FEN:
            errors[name] = [_("%(f)s超出合理范围") % {"f": label}]
    if errors:
        return errors
    if f.in_policy_fen > f.total_fen:
        errors["in_policy_fen"] = [_("政策范围内费用不能超过医疗费用总额")]
    insurers = f.basic_insurance_fen + f.critical_illness_fen + f.other_insurance_fen
    if insurers > f.total_fen:
        errors["basic_insurance_fen"] = [_("各项保险支付合计不能超过医疗费用总额")]
    expected = max(0, f.in_policy_fen - insurers)
    if f.self_paid_in_policy_fen is None:
        f.self_paid_in_policy_fen = expected
    elif f.self_paid_in_policy_fen != expected:
        errors["self_paid_in_policy_fen"] = [
            _("政策范围内个人自付应为政策范围内费用减去各项保险支付，即 %(y)s 元")
            % {"y": yuan_str(expected)}
        ]
    return errors


def _patient_error(case: Case, person: Person | None) -> str:
    if (
        person is None
        or not HouseholdMember.objects.filter(
            household_id=case.household_id, person=person, until__isnull=True
        ).exists()
    ):
        return _("患者须为申请家庭的现有成员")
    return ""


def _check_case(case: Case) -> None:
    if case.programme != Programme.MEDICAL:
        raise ServiceError({"case": [_("只有医疗救助申请可以录入医疗费用单据")]}, status=409)
    if not case.is_open:
        raise _state_conflict(case, _("录入医疗费用单据"))


def _bill(case: Case, person: Person, f: BillFields, source: str, user) -> MedicalBill:
    return MedicalBill(
        case=case,
        person=person,
        settlement_number=f.settlement_number,
        hospital=f.hospital,
        kind=f.kind,
        admitted_on=f.admitted_on,
        discharged_on=f.discharged_on,
        total_fen=f.total_fen,
        in_policy_fen=f.in_policy_fen,
        basic_insurance_fen=f.basic_insurance_fen,
        critical_illness_fen=f.critical_illness_fen,
        other_insurance_fen=f.other_insurance_fen,
        self_paid_in_policy_fen=f.self_paid_in_policy_fen,
        source=source,
        created_by=user,
    )


@transaction.atomic(durable=True)
def add_medical_bill(*, user, case: Case, person: Person | None, bill: BillFields) -> MedicalBill:
    """A township clerk types one settled bill into an open medical-assistance case."""
    _guard(user, case, CLERK)
    case = _locked(case)
    _check_case(case)
    errors = validate_bill(bill, today=_today())
    patient = _patient_error(case, person)
    if patient:
        errors["person_id"] = [patient]
    if (
        "settlement_number" not in errors
        and MedicalBill.objects.filter(settlement_number=bill.settlement_number).exists()
    ):
        errors["settlement_number"] = [_("该结算单号已录入，不能重复录入")]
    if errors:
        raise ServiceError(errors)
    record = _bill(case, person, bill, MedicalBill.Source.TYPED, user)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        # Entered at the same moment by someone else (the settlement number is unique).
        raise ServiceError({"settlement_number": [_("该结算单号已录入，不能重复录入")]}) from None
    audit.record_created(
        record,
        object_repr=f"{case.number} {_('医疗费用单据')} {record.settlement_number}",
        region_code=case.audit_region_code,
    )
    _event(
        case,
        user=user,
        action="medical_bill",
        on=_today(),
        from_state=case.state,
        note=_("录入医疗费用单据 %(n)s（%(h)s）")
        % {"n": record.settlement_number, "h": record.hospital},
        data={"bill_id": record.pk},
    )
    return record


def freeze_case_payouts(case: Case, on: dt.date) -> int:
    """Inside the county approval's transaction: compute every bill's payout from the person's
    ledger and freeze it; returns the case's total. The persons' rows are locked first, so two
    approvals for one person are decided one after the other, each seeing the other's payouts."""
    person_ids = sorted(set(case.medical_bills.values_list("person_id", flat=True)))
    if not person_ids:
        raise ServiceError(
            {"amount_fen": [_("医疗救助须先录入医疗费用单据，才能审批")]}, status=409
        )
    list(Person.objects.select_for_update().filter(pk__in=person_ids).order_by("pk"))
    payouts = medical.case_payouts(case)
    missing = [b for b, p in payouts if p is None]
    if missing:
        raise ServiceError(
            {"amount_fen": [_("本地区未设定医疗救助比例或年度限额，无法计算救助金额")]}, status=409
        )
    bills = []
    for bill, payout in payouts:
        bill.assistance_fen, bill.charity_fen = payout.assistance_fen, payout.charity_fen
        bill.trace, bill.decided_on = payout.trace, on
        bills.append(bill)
    MedicalBill.objects.bulk_update(bills, ["assistance_fen", "charity_fen", "trace", "decided_on"])
    return sum(b.assistance_fen for b in bills)
