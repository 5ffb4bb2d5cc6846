"""Loading the medical-insurance one-stop settlement file (一站式结算) into medical bills.

What a township clerk gets (docs/ARCHITECTURE.md, "Medical assistance per bill"):
- every row is checked; a bad row is reported with its spreadsheet line and a Chinese message,
  and the good rows are loaded (the clerk corrects the bad lines and loads the file again);
- a row whose settlement number is already on the platform is skipped, so loading the same file
  twice, or a corrected file, adds nothing twice;
- a bill goes to the open medical-assistance case of the patient's household when there is one;
  otherwise a window application (窗口申请) is made for the household with the patient as the
  applicant, as the clerk would at the window, and it starts at acceptance like any other;
- only people on the registry and within the clerk's regions are accepted; the name in the file
  must match the registry's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.accounts.models import Role, actor_name
from minzheng.core import audit, crypto, idcard, sheets
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent
from minzheng.core.money import parse_yuan
from minzheng.core.validators import date_error
from minzheng.people import selectors as people_selectors
from minzheng.people.models import HouseholdMember

from ..models import OPEN_STATES, Case, CaseEvent, MedicalBill, Programme
from .guards import _today
from .intake import apply
from .medical import BillFields, validate_bill

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

# (key, header, required); the template carries the headers in this order.
COLUMNS = (
    ("settlement_number", gettext_lazy("结算单号"), True),
    ("id_number", gettext_lazy("身份证号码"), True),
    ("name", gettext_lazy("姓名"), True),
    ("hospital", gettext_lazy("医疗机构"), True),
    ("kind", gettext_lazy("就诊类别"), True),
    ("admitted_on", gettext_lazy("入院日期"), True),
    ("discharged_on", gettext_lazy("出院日期"), True),
    ("total", gettext_lazy("医疗费用总额"), True),
    ("in_policy", gettext_lazy("政策范围内费用"), True),
    ("basic", gettext_lazy("基本医疗保险支付"), True),
    ("critical", gettext_lazy("大病保险支付"), True),
    ("other", gettext_lazy("其他保险支付"), False),
    ("self_paid", gettext_lazy("政策范围内个人自付"), False),
)
# Headers as the settlement systems write them; matched by `sheets.header_key`.
_HEADERS = {
    "结算单号": "settlement_number",
    "结算编号": "settlement_number",
    "身份证号码": "id_number",
    "身份证号": "id_number",
    "公民身份号码": "id_number",
    "姓名": "name",
    "患者姓名": "name",
    "医疗机构": "hospital",
    "医疗机构名称": "hospital",
    "就诊类别": "kind",
    "医疗类别": "kind",
    "入院日期": "admitted_on",
    "就诊日期": "admitted_on",
    "出院日期": "discharged_on",
    "结算日期": "discharged_on",
    "医疗费用总额": "total",
    "医疗总费用": "total",
    "政策范围内费用": "in_policy",
    "基本医疗保险支付": "basic",
    "基本医保支付": "basic",
    "大病保险支付": "critical",
    "其他保险支付": "other",
    "其他补充保险支付": "other",
    "政策范围内个人自付": "self_paid",
    "政策范围内自付": "self_paid",
}
_KINDS = {
    "住院": "inpatient",
    "门诊": "outpatient",
    "inpatient": "inpatient",
    "outpatient": "outpatient",
}
_FIELD_COLUMN = {
    "settlement_number": "settlement_number",
    "hospital": "hospital",
    "kind": "kind",
    "admitted_on": "admitted_on",
    "discharged_on": "discharged_on",
    "total_fen": "total",
    "in_policy_fen": "in_policy",
    "basic_insurance_fen": "basic",
    "critical_illness_fen": "critical",
    "other_insurance_fen": "other",
    "self_paid_in_policy_fen": "self_paid",
}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$|^(\d{4})(\d{2})(\d{2})$")


@dataclass
class LoadReport:
    rows: int = 0
    added: int = 0
    skipped: int = 0  # already loaded (settlement number on the platform)
    cases_created: list[str] = field(default_factory=list)
    cases_attached: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "added": self.added,
            "skipped": self.skipped,
            "cases_created": self.cases_created,
            "cases_attached": self.cases_attached,
            "errors": self.errors,
        }


def template_csv() -> bytes:
    """The empty settlement file with its headers and one example row (a fictitious person)."""
    header = [str(label) for _key, label, _req in COLUMNS]
    example = [
        "JS2026000001",
        "420802199001011234",
        "张三",
        "荆门市第一人民医院",
        "住院",
        "2026-03-01",
        "2026-03-10",
        Decimal("12000.00"),
        Decimal("10000.00"),
        Decimal("6000.00"),
        Decimal("1000.00"),
        Decimal("0.00"),
        Decimal("3000.00"),
    ]
    return sheets.csv_bytes([header, example])


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = sheets.cell_text(value)
    match = _DATE.match(text)
    if not match:
        raise ValueError(text)
    y, m, d = (int(g) for g in (match.groups()[:3] if match.group(1) else match.groups()[3:]))
    day = dt.date(y, m, d)
    if date_error(day):
        raise ValueError(text)
    return day


def _money(value) -> int | None:
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return parse_yuan(value)
    text = sheets.cell_text(value)
    return parse_yuan(text) if text else None


def _row_fields(table, cells, line: int, report: LoadReport, labels: dict) -> tuple | None:
    """(BillFields, id number, name) of a row, or None with its errors reported."""
    errors: list[tuple[str, str]] = []
    dates = {}
    for key in ("admitted_on", "discharged_on"):
        raw = table.get(cells, key)
        if raw is None or sheets.cell_text(raw) == "":
            dates[key] = None
            continue
        try:
            dates[key] = _date(raw)
        except (ValueError, TypeError):
            dates[key] = None
            errors.append((key, _("日期格式应为 2026-03-01")))
    amounts = {}
    for key in ("total", "in_policy", "basic", "critical", "other", "self_paid"):
        try:
            amounts[key] = _money(table.get(cells, key))
        except (ValueError, TypeError):
            amounts[key] = None
            errors.append((key, _("金额应为数字（元，最多两位小数）")))
    kind_text = table.text(cells, "kind")
    bill = BillFields(
        settlement_number=table.text(cells, "settlement_number"),
        hospital=table.text(cells, "hospital"),
        kind=_KINDS.get(kind_text, kind_text),
        admitted_on=dates["admitted_on"],
        discharged_on=dates["discharged_on"],
        total_fen=amounts["total"],
        in_policy_fen=amounts["in_policy"],
        basic_insurance_fen=amounts["basic"],
        critical_illness_fen=amounts["critical"],
        other_insurance_fen=amounts["other"],
        self_paid_in_policy_fen=amounts["self_paid"],
    )
    bad = {key for key, _m in errors}
    if not bad:
        for name, messages in validate_bill(bill, today=_today()).items():
            errors += [(_FIELD_COLUMN.get(name, name), m) for m in messages]
    number = table.text(cells, "id_number").upper()
    try:
        number = idcard.parse(number, today=_today()).number
    except idcard.InvalidResidentId as exc:
        errors.append(("id_number", str(exc)))
    name = table.text(cells, "name")
    if not name:
        errors.append(("name", _("请填写姓名")))
    for key, message in errors:
        report.errors.append(
            {"line": line, "column": str(labels.get(key, key)), "message": message}
        )
    return None if errors else (bill, number, name)


@transaction.atomic(durable=True)
def load_settlement_file(*, user, data: bytes, name: str = "") -> LoadReport:
    """Load a one-stop settlement file (CSV or XLSX) as a township clerk."""
    if (
        user is None
        or not user.is_authenticated
        or user.role != Role.TOWNSHIP_CLERK
        or not user.can_write
    ):
        raise PermissionDeniedError(_("只有乡镇（街道）经办人员可以导入一站式结算文件"))
    if not data:
        raise ServiceError({"file": [_("文件为空")]})
    if len(data) > MAX_FILE_BYTES:
        raise ServiceError({"file": [_("文件不能超过 5 MB")]})
    labels = {key: label for key, label, _req in COLUMNS}
    try:
        table = sheets.read_table(
            data,
            keys={sheets.header_key(h): k for h, k in _HEADERS.items()},
            required=[key for key, _label, req in COLUMNS if req],
            labels={k: str(v) for k, v in labels.items()},
        )
    except sheets.SheetError as exc:
        raise ServiceError({"file": [str(exc)]}) from None
    if len(table.rows) > MAX_ROWS:
        raise ServiceError({"file": [_("一次最多导入 %(n)s 行") % {"n": MAX_ROWS}]})
    report = LoadReport(rows=len(table.rows))
    parsed = []
    for line, cells in table.rows:
        row = _row_fields(table, cells, line, report, labels)
        if row is not None:
            parsed.append((line, *row))

    numbers = [bill.settlement_number for _l, bill, _n, _m in parsed]
    loaded = set(
        MedicalBill.objects.filter(settlement_number__in=numbers).values_list(
            "settlement_number", flat=True
        )
    )
    hashes = {crypto.lookup_hash(number) for _l, _b, number, _m in parsed}
    people = {p.id_hash: p for p in people_selectors.people_for(user).filter(id_hash__in=hashes)}
    memberships = {
        m.person_id: m
        for m in HouseholdMember.objects.filter(
            person__in=people.values(), until__isnull=True
        ).select_related("household", "household__region")
    }
    seen: set[str] = set()
    accepted = []  # (line, bill, person, household)
    for line, bill, number, name in parsed:
        if bill.settlement_number in loaded:
            report.skipped += 1
            continue
        error = ""
        person = people.get(crypto.lookup_hash(number))
        if bill.settlement_number in seen:
            error, column = _("结算单号在文件中重复"), "settlement_number"
        elif person is None:
            error, column = _("该身份证号码未在人口信息库登记或不在您的管辖范围内"), "id_number"
        elif person.name != name:
            error, column = _("姓名与人口信息库登记的不一致"), "name"
        elif person.pk not in memberships:
            error, column = _("患者未登记家庭，无法建立医疗救助申请"), "id_number"
        if error:
            report.errors.append({"line": line, "column": str(labels[column]), "message": error})
            continue
        seen.add(bill.settlement_number)
        accepted.append((line, bill, person, memberships[person.pk].household))

    cases = _cases_for(user, accepted, report, labels)
    bills = [
        MedicalBill(
            case=cases[household.pk],
            person=person,
            settlement_number=bill.settlement_number,
            hospital=bill.hospital,
            kind=bill.kind,
            admitted_on=bill.admitted_on,
            discharged_on=bill.discharged_on,
            total_fen=bill.total_fen,
            in_policy_fen=bill.in_policy_fen,
            basic_insurance_fen=bill.basic_insurance_fen,
            critical_illness_fen=bill.critical_illness_fen,
            other_insurance_fen=bill.other_insurance_fen,
            self_paid_in_policy_fen=bill.self_paid_in_policy_fen,
            source=MedicalBill.Source.SETTLEMENT_FILE,
            created_by=user,
        )
        for _line, bill, person, household in accepted
        if household.pk in cases
    ]
    try:
        with transaction.atomic():
            MedicalBill.objects.bulk_create(bills)
    except IntegrityError:
        # The same settlements loaded at the same moment by another clerk: nothing is kept here.
        raise ServiceError(
            {"file": [_("部分结算单号刚被其他人导入，请重新导入此文件")]}, status=409
        ) from None
    report.added = len(bills)
    report.errors.sort(key=lambda e: e["line"])
    if not bills:
        return report
    today = _today()
    by_case: dict[int, list[str]] = {}
    for bill in bills:
        by_case.setdefault(bill.case.pk, []).append(bill.settlement_number)
    by_name = actor_name(user)
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=case_id,
            action="medical_bill",
            from_state=next(c.state for c in cases.values() if c.pk == case_id),
            to_state=next(c.state for c in cases.values() if c.pk == case_id),
            by=user,
            by_name=by_name,
            on=today,
            note=_("导入一站式结算单据 %(n)s 张") % {"n": len(settlements)},
            data={"settlement_numbers": settlements},
        )
        for case_id, settlements in by_case.items()
    )
    audit.record(
        AuditEvent.Action.IMPORT,
        object_type="cases.medicalbill",
        object_id=hashlib.sha256(data).hexdigest()[:16],
        object_repr=(name or _("一站式结算文件"))[:200],
        region_code=user.region.code if user.region_id else "",
        after={
            "file": {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)},
            "rows": report.rows,
            "added": report.added,
            "skipped": report.skipped,
            "errors": len(report.errors),
            "cases_created": report.cases_created,
        },
    )
    return report


def _cases_for(user, accepted, report: LoadReport, labels) -> dict[int, Case]:
    """The open medical case of each household, made at the window when there is none."""
    households = {household.pk: household for _l, _b, _p, household in accepted}
    cases = {
        c.household_id: c
        for c in Case.objects.select_for_update()
        .filter(household_id__in=households, programme=Programme.MEDICAL, state__in=OPEN_STATES)
        .select_related("region")
    }
    report.cases_attached = sorted(c.number for c in cases.values())
    for line, _bill, person, household in accepted:
        if household.pk in cases:
            continue
        try:
            with transaction.atomic():
                case = apply(
                    user=user,
                    programme=Programme.MEDICAL,
                    household=household,
                    applicant=person,
                    reason=_("一站式结算导入的医疗费用"),
                )
        except ServiceError as exc:
            message = "；".join(sum(exc.errors.values(), []))
            report.errors.append(
                {"line": line, "column": str(labels["id_number"]), "message": message}
            )
            households.pop(household.pk, None)
            continue
        cases[household.pk] = case
        report.cases_created.append(case.number)
    return cases
