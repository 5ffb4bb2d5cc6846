"""JSON API of medical bills and the per-person yearly ledger, mounted at
/api/v1/assistance/medical (docs/DOMAIN.md §3.4). A case or a person outside the user's regions
is a 404; ID numbers are always masked."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Date, Fen, Id, choice
from minzheng.core.sheets import CSV_TYPE

from . import medical_selectors as ms
from . import selectors, services
from .models import MedicalBill

router = Router(tags=["medical assistance"])


class MedicalBillIn(Schema):
    person_id: Id = Field(description="患者（申请家庭的现有成员）")
    settlement_number: str = Field(min_length=1, max_length=64, description="结算单号，全局唯一")
    hospital: str = Field(min_length=1, max_length=100)
    kind: choice(MedicalBill.Kind.values) = Field(description="inpatient 住院 / outpatient 门诊")
    admitted_on: Date
    discharged_on: Date
    total_fen: Fen
    in_policy_fen: Fen
    basic_insurance_fen: Fen = 0
    critical_illness_fen: Fen = 0
    other_insurance_fen: Fen = 0
    self_paid_in_policy_fen: Fen | None = Field(
        default=None, description="政策范围内个人自付；省略时按政策范围内费用减各项保险支付计算"
    )


class MedicalBillTraceOut(Schema):
    label: str
    value: str


class MedicalBillOut(Schema):
    id: int
    case_id: int
    case_number: str
    person: dict
    settlement_number: str
    hospital: str
    kind: str
    admitted_on: dt.date
    discharged_on: dt.date
    total_fen: int
    in_policy_fen: int
    basic_insurance_fen: int
    critical_illness_fen: int
    other_insurance_fen: int
    self_paid_in_policy_fen: int
    source: str
    status: str = Field(
        description="decided 已核定 / pending 待审批（按台账试算）/ excluded 不计入"
    )
    assistance_fen: int | None
    charity_fen: int | None
    decided_on: dt.date | None
    trace: list[MedicalBillTraceOut]


class MedicalCaseBillsOut(Schema):
    case_id: int
    bills: list[MedicalBillOut]
    total_fen: int = Field(description="各单据医疗救助额之和（已核定或按台账试算）")


class MedicalLedgerOut(Schema):
    person: dict
    year: int
    annual_cap_fen: int | None
    decided_fen: int
    pending_fen: int
    room_fen: int | None
    bills: list[MedicalBillOut]


class SettlementLoadOut(Schema):
    rows: int
    added: int
    skipped: int
    cases_created: list[str]
    cases_attached: list[str]
    errors: list[dict]


class LedgerYearIn(Schema):
    year: int | None = Field(default=None, ge=2000, le=2100, description="自然年，默认今年")


@router.get("/cases/{int:case_id}/bills", response={200: MedicalCaseBillsOut, 404: ErrorOut})
def case_bills(request, case_id: Id):
    """A medical case's bills with their payouts: frozen when decided, otherwise what the
    approval would give now from the persons' ledgers."""
    case = selectors.get_case(request.user, case_id)
    lines = ms.case_lines(case)
    return {
        "case_id": case.pk,
        "bills": [ms.line_out(line) for line in lines],
        "total_fen": sum(line.assistance_fen or 0 for line in lines),
    }


@router.post(
    "/cases/{int:case_id}/bills",
    response={201: MedicalBillOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def add_bill(request, case_id: Id, payload: MedicalBillIn):
    """A township clerk types a settled bill into an open medical-assistance case."""
    case = selectors.get_case(request.user, case_id)
    person = ms.household_person(case, payload.person_id)
    data = payload.dict()
    data.pop("person_id")
    bill = services.add_medical_bill(
        user=request.user, case=case, person=person, bill=services.BillFields(**data)
    )
    line = next(line for line in ms.case_lines(case) if line.bill.pk == bill.pk)
    return Status(201, ms.line_out(line))


@router.post(
    "/settlements", response={200: SettlementLoadOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut}
)
def load_settlements(request, file: File[UploadedFile]):
    """Load a one-stop settlement file (CSV or XLSX; columns as the template). Bad rows are
    reported by line; the good ones are loaded; a settlement number already loaded is skipped."""
    data = file.read(services.settlements.MAX_FILE_BYTES + 1)
    report = services.load_settlement_file(user=request.user, data=data, name=file.name or "")
    return report.as_dict()


@router.get("/settlements/template.csv", response={200: None})
def settlement_template(request):
    response = HttpResponse(services.template_csv(), content_type=CSV_TYPE)
    response["Content-Disposition"] = 'attachment; filename="settlement-template.csv"'
    return response


@router.get(
    "/ledger/{int:person_id}", response={200: MedicalLedgerOut, 403: ErrorOut, 404: ErrorOut}
)
def ledger(request, person_id: Id, filters: Query[LedgerYearIn]):
    """A person's medical-assistance ledger of a calendar year (county and township staff)."""
    person = ms.ledger_person(request.user, person_id)
    return ms.ledger_out(person, ms.year_or_this(filters.year))
