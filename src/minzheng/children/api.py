"""JSON API of the children's register and child-protection cases, mounted at /api/v1/children.

Register rows and cases outside the user's regions, and cases outside the case's chain (the
township where the child lives, its county, the city), read as 404. A reporter reads only the
status of their own reports (`/reports/mine`). Names in the register are masked for city staff;
ID numbers are always masked."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Date, DateTime, Id, Phone, choice
from minzheng.core.errors import PermissionDeniedError
from minzheng.core.pagination import Listing, paginated
from minzheng.people.selectors import masked_name

from . import allowance, selectors, services
from .models import (
    CareType,
    Category,
    ChildCase,
    ChildRecord,
    DifficultyReason,
    MeasureKind,
    ParentStatus,
    ReferralStatus,
    ReferralTarget,
    ReporterKind,
    Stage,
    Urgency,
)
from .permissions import may_see_counts, shows_names

router = Router(tags=["children"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# ---------------------------------------------------------------- schemas


class ChildRecordIn(Schema):
    category: choice(Category.values) = Field(description="儿童类别")
    difficulty_reason: choice(DifficultyReason.values) | None = Field(
        default=None, description="困境类型（困境儿童必填）"
    )
    care_type: choice(CareType.values) | None = Field(
        default=None, description="养育方式（孤儿必填）"
    )
    guardian_id_number: str = Field(default="", max_length=18, description="监护人身份证号码")
    guardian_name: str = Field(default="", max_length=64)
    guardian_relation: str = Field(default="", max_length=32)
    guardian_phone: Phone = ""
    father_status: choice(ParentStatus.values) = ParentStatus.AT_HOME
    father_place: str = Field(default="", max_length=100)
    mother_status: choice(ParentStatus.values) = ParentStatus.AT_HOME
    mother_place: str = Field(default="", max_length=100)
    school: str = Field(default="", max_length=100)
    officer_name: str = Field(default="", max_length=64, description="儿童主任")


class ChildRecordCreateIn(ChildRecordIn):
    person_id: Id | None = Field(default=None, description="人口库人员编号")
    id_number: str = Field(default="", max_length=18, description="儿童身份证号码")


class ChildRecordOut(Schema):
    id: int
    person_id: int
    name: str
    id_masked: str
    birth_date: dt.date | None
    region_code: str
    region_name: str
    category: str
    category_label: str
    difficulty_reason: str
    care_type: str
    guardian_name: str
    guardian_relation: str
    guardian_phone: str
    father_status: str
    father_place: str
    mother_status: str
    mother_place: str
    school: str
    officer_name: str
    allowance_confirmed_on: dt.date | None
    entitlement_id: int | None
    confirmed_this_quarter: bool


class ChildRecordFilter(Schema):
    category: choice(Category.values) | None = None
    region_code: str = Field(default="", max_length=12)
    unconfirmed: bool = False


class ChildConfirmIn(Schema):
    note: str = Field(default="", max_length=200)
    on: Date | None = None


class ChildConfirmOut(Schema):
    record_id: int
    quarter: dt.date
    confirmed_on: dt.date
    created: bool


class ChildCountsOut(Schema):
    total: int
    by_category: dict[str, int]
    open_cases: int
    closed_cases: int
    overdue_cases: int


class ChildReportIn(Schema):
    id_number: str = Field(default="", max_length=18, description="儿童身份证号码（知道时填写）")
    name: str = Field(default="", max_length=64, description="儿童姓名")
    age: int | None = Field(default=None, description="年龄")
    place: str = Field(default="", max_length=200, description="所在地点")
    region_code: str = Field(
        default="", max_length=12, description="所在乡镇（街道）或村（社区）代码"
    )
    what_happened: str = Field(max_length=2000, description="发生了什么")
    urgency: choice(Urgency.values) = Field(description="紧急程度")
    reporter_kind: choice(ReporterKind.values) | None = None
    reporter_phone: Phone = ""


class ChildReportStatusOut(Schema):
    id: int
    number: str
    reported_at: dt.datetime
    stage: str
    stage_label: str


class ChildReferralIn(Schema):
    target: choice(ReferralTarget.values)
    organisation: str = Field(max_length=100)
    need: str = Field(max_length=200)


class ChildReferralOut(Schema):
    id: int
    target: str
    target_label: str
    organisation: str
    need: str
    referred_on: dt.date
    status: str
    status_label: str
    status_on: dt.date | None
    result_note: str


class ChildMeasureOut(Schema):
    id: int
    kind: str
    kind_label: str
    on: dt.date
    document: str
    note: str


class ChildCaseEventOut(Schema):
    action: str
    label: str
    from_stage: str
    to_stage: str
    by_name: str
    at: dt.datetime
    note: str


class ChildCaseOut(Schema):
    id: int
    number: str
    child_name: str
    person_id: int | None
    described_age: int | None
    described_place: str
    region_code: str
    region_name: str
    reporter_kind: str
    reporter_name: str
    what_happened: str
    urgency: str
    reported_at: dt.datetime
    stage: str
    stage_label: str
    first_contact_due_at: dt.datetime
    assessment_due_on: dt.date
    plan_due_on: dt.date
    first_contact_at: dt.datetime | None
    emergency_action: str
    assessed_on: dt.date | None
    assessment: str
    plan_on: dt.date | None
    plan: str
    intervention_skipped_reason: str
    closed_on: dt.date | None
    closing_note: str
    overdue: str
    escalated_at: dt.datetime | None
    referrals: list[ChildReferralOut]
    measures: list[ChildMeasureOut]


class ChildCaseListOut(Schema):
    id: int
    number: str
    child_name: str
    region_name: str
    urgency: str
    reported_at: dt.datetime
    stage: str
    stage_label: str
    overdue: str


class ChildCaseFilter(Schema):
    stage: choice(Stage.values) | None = None
    overdue: bool = False


class ChildContactIn(Schema):
    action: str = Field(max_length=2000, description="应急处置情况")
    at: DateTime | None = None
    id_number: str = Field(default="", max_length=18)


class ChildAssessmentIn(Schema):
    assessment: str = Field(max_length=2000)
    on: Date | None = None


class ChildPlanIn(Schema):
    plan: str = Field(max_length=2000)
    on: Date | None = None
    referrals: list[ChildReferralIn] = Field(default_factory=list, max_length=20)


class ChildReferralResultIn(Schema):
    status: choice([s for s in ReferralStatus.values if s != "pending"])
    note: str = Field(default="", max_length=200)
    on: Date | None = None


class ChildInterventionIn(Schema):
    note: str = Field(default="", max_length=2000)


class ChildMeasureIn(Schema):
    kind: choice(MeasureKind.values)
    document: str = Field(max_length=100, description="文书编号")
    on: Date | None = None
    note: str = Field(default="", max_length=200)


class ChildCloseIn(Schema):
    note: str = Field(max_length=2000, description="结案说明")
    skip_reason: str = Field(default="", max_length=2000, description="无需监护干预的理由")
    on: Date | None = None


class OrphanAllowanceOut(Schema):
    entitlement_id: int
    start_month: dt.date
    monthly_amount_fen: int


# ---------------------------------------------------------------- output


def record_out(request, r: ChildRecord, *, confirmed: set | None = None) -> dict:
    named = shows_names(request.user)
    guardian = r.guardian_name
    return {
        "id": r.pk,
        "person_id": r.person_id,
        "name": r.person.name if named else masked_name(r.person.name),
        "id_masked": r.person.id_masked,
        "birth_date": r.person.birth_date if named else None,
        "region_code": r.region.code,
        "region_name": r.region.name,
        "category": r.category,
        "category_label": r.get_category_display(),
        "difficulty_reason": r.difficulty_reason,
        "care_type": r.care_type,
        "guardian_name": guardian if named else masked_name(guardian),
        "guardian_relation": r.guardian_relation,
        "guardian_phone": r.guardian_phone if named else "",
        "father_status": r.father_status,
        "father_place": r.father_place,
        "mother_status": r.mother_status,
        "mother_place": r.mother_place,
        "school": r.school,
        "officer_name": r.officer_name,
        "allowance_confirmed_on": r.allowance_confirmed_on,
        "entitlement_id": r.entitlement_id,
        "confirmed_this_quarter": r.pk in confirmed
        if confirmed is not None
        else r.confirmations.filter(quarter=selectors.quarter_of(dt.date.today())).exists(),
    }


def case_out(c: ChildCase) -> dict:
    from django.utils import timezone

    from .deadlines import overdue_stage

    return {
        **{
            f: getattr(c, f)
            for f in (
                "number",
                "person_id",
                "described_age",
                "described_place",
                "reporter_kind",
                "reporter_name",
                "what_happened",
                "urgency",
                "reported_at",
                "stage",
                "first_contact_due_at",
                "assessment_due_on",
                "plan_due_on",
                "first_contact_at",
                "emergency_action",
                "assessed_on",
                "assessment",
                "plan_on",
                "plan",
                "intervention_skipped_reason",
                "closed_on",
                "closing_note",
                "escalated_at",
            )
        },
        "id": c.pk,
        "child_name": c.child_name,
        "region_code": c.region.code,
        "region_name": c.region.name,
        "stage_label": c.get_stage_display(),
        "overdue": overdue_stage(c, timezone.now()),
        "referrals": [
            {
                "id": r.pk,
                "target": r.target,
                "target_label": r.get_target_display(),
                "organisation": r.organisation,
                "need": r.need,
                "referred_on": r.referred_on,
                "status": r.status,
                "status_label": r.get_status_display(),
                "status_on": r.status_on,
                "result_note": r.result_note,
            }
            for r in c.referrals.all()
        ],
        "measures": [
            {
                "id": m.pk,
                "kind": m.kind,
                "kind_label": m.get_kind_display(),
                "on": m.on,
                "document": m.document,
                "note": m.note,
            }
            for m in c.measures.all()
        ],
    }


def case_list_out(c: ChildCase) -> dict:
    from django.utils import timezone

    from .deadlines import overdue_stage

    return {
        "id": c.pk,
        "number": c.number,
        "child_name": c.child_name,
        "region_name": c.region.name,
        "urgency": c.urgency,
        "reported_at": c.reported_at,
        "stage": c.stage,
        "stage_label": c.get_stage_display(),
        "overdue": overdue_stage(c, timezone.now()),
    }


def _record_data(payload: ChildRecordIn) -> dict:
    data = payload.dict()
    for key in ("difficulty_reason", "care_type"):
        data[key] = data[key] or ""
    return data


# ---------------------------------------------------------------- register


@router.get("/records", response=list[ChildRecordOut])
@paginated(default=100)
def list_records(request, filters: Query[ChildRecordFilter]):
    qs = selectors.records_for(
        request.user,
        category=filters.category or "",
        region_code=filters.region_code,
        unconfirmed=filters.unconfirmed,
    ).order_by("region__path", "id")
    confirmed = set(
        selectors.records_for(request.user)
        .filter(confirmations__quarter=selectors.quarter_of(dt.date.today()))
        .values_list("pk", flat=True)
    )
    return Listing(qs, lambda r: record_out(request, r, confirmed=confirmed))


@router.post("/records", response={201: ChildRecordOut, **ERRORS})
def create_record(request, payload: ChildRecordCreateIn):
    record = services.register_child(
        user=request.user,
        data=_record_data(payload),
        person_id=payload.person_id,
        id_number=payload.id_number,
    )
    return Status(201, record_out(request, record))


@router.get("/records/{int:record_id}", response={200: ChildRecordOut, 404: ErrorOut})
def get_record(request, record_id: Id):
    return record_out(request, selectors.get_record(request.user, record_id))


@router.put("/records/{int:record_id}", response={200: ChildRecordOut, **ERRORS})
def update_record(request, record_id: Id, payload: ChildRecordIn):
    record = selectors.get_record(request.user, record_id)
    return record_out(
        request, services.update_child(user=request.user, record=record, data=_record_data(payload))
    )


@router.post("/records/{int:record_id}/confirmations", response={200: ChildConfirmOut, **ERRORS})
def confirm_record(request, record_id: Id, payload: ChildConfirmIn):
    record = selectors.get_record(request.user, record_id)
    confirmation, created = services.confirm_quarter(
        user=request.user, record=record, note=payload.note, on=payload.on
    )
    return {
        "record_id": record.pk,
        "quarter": confirmation.quarter,
        "confirmed_on": confirmation.confirmed_on,
        "created": created,
    }


@router.post("/records/{int:record_id}/allowance", response={201: OrphanAllowanceOut, **ERRORS})
def confirm_allowance(request, record_id: Id):
    """The county confirms an orphan for the orphan basic living allowance (paid from next month)."""
    record = selectors.get_record(request.user, record_id)
    entitlement = allowance.confirm_orphan(user=request.user, record=record)
    return Status(
        201,
        {
            "entitlement_id": entitlement.pk,
            "start_month": entitlement.start_month,
            "monthly_amount_fen": entitlement.monthly_amount_fen,
        },
    )


@router.get("/counts", response={200: ChildCountsOut, 403: ErrorOut})
def counts(request):
    if not may_see_counts(request.user):
        raise PermissionDeniedError(_("当前账号无权查看儿童统计"))
    data = selectors.counts(request.user)
    return {
        "total": data["total"],
        "by_category": data["by_code"],
        "open_cases": data["cases"]["open"],
        "closed_cases": data["cases"]["closed"],
        "overdue_cases": data["cases"]["overdue"],
    }


# ---------------------------------------------------------------- reports and cases


@router.post("/reports", response={201: ChildReportStatusOut, **ERRORS})
def report(request, payload: ChildReportIn):
    """A report of a child at risk by anyone with an account (强制报告)."""
    case = services.report_child(
        user=request.user,
        id_number=payload.id_number,
        name=payload.name,
        age=payload.age,
        place=payload.place,
        region_code=payload.region_code,
        what_happened=payload.what_happened,
        urgency=payload.urgency,
        reporter_kind=payload.reporter_kind or "",
        reporter_phone=payload.reporter_phone,
    )
    return Status(201, _status(case))


def _status(c: ChildCase) -> dict:
    return {
        "id": c.pk,
        "number": c.number,
        "reported_at": c.reported_at,
        "stage": c.stage,
        "stage_label": c.get_stage_display(),
    }


@router.get("/reports/mine", response=list[ChildReportStatusOut])
@paginated(default=100)
def my_reports(request):
    return Listing(selectors.my_reports(request.user), _status)


@router.get("/cases", response=list[ChildCaseListOut])
@paginated(default=100)
def list_cases(request, filters: Query[ChildCaseFilter]):
    qs = selectors.cases_for(request.user, stage=filters.stage or "", overdue=filters.overdue)
    return Listing(qs.order_by("-reported_at", "-id"), case_list_out)


@router.get("/cases/{int:case_id}", response={200: ChildCaseOut, 404: ErrorOut})
def get_case(request, case_id: Id):
    return case_out(selectors.get_case(request.user, case_id))


@router.get("/cases/{int:case_id}/events", response={200: list[ChildCaseEventOut], 404: ErrorOut})
def case_events(request, case_id: Id):
    case = selectors.get_case(request.user, case_id)
    return list(case.events.values(*ChildCaseEventOut.model_fields))


def _case(request, case_id: int) -> ChildCase:
    return selectors.get_case(request.user, case_id)


@router.post("/cases/{int:case_id}/contact", response={200: ChildCaseOut, **ERRORS})
def contact(request, case_id: Id, payload: ChildContactIn):
    return case_out(
        services.record_first_contact(
            user=request.user,
            case=_case(request, case_id),
            action=payload.action,
            at=payload.at,
            id_number=payload.id_number,
        )
    )


@router.post("/cases/{int:case_id}/assessment", response={200: ChildCaseOut, **ERRORS})
def assessment(request, case_id: Id, payload: ChildAssessmentIn):
    return case_out(
        services.record_assessment(
            user=request.user,
            case=_case(request, case_id),
            assessment=payload.assessment,
            on=payload.on,
        )
    )


@router.post("/cases/{int:case_id}/plan", response={200: ChildCaseOut, **ERRORS})
def plan(request, case_id: Id, payload: ChildPlanIn):
    return case_out(
        services.record_plan(
            user=request.user,
            case=_case(request, case_id),
            plan=payload.plan,
            on=payload.on,
            referrals=[r.dict() for r in payload.referrals],
        )
    )


@router.post("/cases/{int:case_id}/referrals", response={201: ChildReferralOut, **ERRORS})
def add_referral(request, case_id: Id, payload: ChildReferralIn):
    r = services.add_referral(user=request.user, case=_case(request, case_id), data=payload.dict())
    return Status(201, _referral(r))


def _referral(r) -> dict:
    return {
        "id": r.pk,
        "target": r.target,
        "target_label": r.get_target_display(),
        "organisation": r.organisation,
        "need": r.need,
        "referred_on": r.referred_on,
        "status": r.status,
        "status_label": r.get_status_display(),
        "status_on": r.status_on,
        "result_note": r.result_note,
    }


@router.post(
    "/cases/{int:case_id}/referrals/{int:referral_id}/result",
    response={200: ChildReferralOut, **ERRORS},
)
def referral_result(request, case_id: Id, referral_id: Id, payload: ChildReferralResultIn):
    r = services.update_referral(
        user=request.user,
        case=_case(request, case_id),
        referral_id=referral_id,
        status=payload.status,
        note=payload.note,
        on=payload.on,
    )
    return _referral(r)


@router.post("/cases/{int:case_id}/intervention", response={200: ChildCaseOut, **ERRORS})
def intervention(request, case_id: Id, payload: ChildInterventionIn):
    return case_out(
        services.start_intervention(
            user=request.user, case=_case(request, case_id), note=payload.note
        )
    )


@router.post("/cases/{int:case_id}/measures", response={201: ChildMeasureOut, **ERRORS})
def add_measure(request, case_id: Id, payload: ChildMeasureIn):
    m = services.add_measure(
        user=request.user,
        case=_case(request, case_id),
        kind=payload.kind,
        document=payload.document,
        on=payload.on,
        note=payload.note,
    )
    return Status(
        201,
        {
            "id": m.pk,
            "kind": m.kind,
            "kind_label": m.get_kind_display(),
            "on": m.on,
            "document": m.document,
            "note": m.note,
        },
    )


@router.post("/cases/{int:case_id}/close", response={200: ChildCaseOut, **ERRORS})
def close(request, case_id: Id, payload: ChildCloseIn):
    return case_out(
        services.close_case(
            user=request.user,
            case=_case(request, case_id),
            note=payload.note,
            skip_reason=payload.skip_reason,
            on=payload.on,
        )
    )
