"""JSON API of assistance applications, mounted at /api/v1/assistance/cases.

Cases outside the user's regions (or, for residents, not their own) read as 404; a role that may
not act gets 403, an action the current stage does not allow 409, invalid input 422 naming the
field. Resident ID numbers are always masked."""

from __future__ import annotations

import datetime as dt

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from minzheng.accounts.models import Role, actor_name
from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Date, Fen, Id, Phone, choice
from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.core.pagination import Listing, paginated
from minzheng.people import selectors as people_selectors
from minzheng.regions.services import resolve_code

from . import clock, pdf, selectors, services
from .assessment import ASSESSED_STATES, assess_case
from .models import Case, ObjectionOutcome, Programme, State

router = Router(tags=["assistance cases"])


# ---------------------------------------------------------------- schemas


class CaseIn(Schema):
    programme: choice(Programme.values) = Field(description="救助项目代码")
    household_id: Id | None = Field(
        default=None, description="家庭；居民本人申请时可省略（为本人所在家庭）"
    )
    applicant_id: Id | None = Field(default=None, description="申请人；居民本人申请时为本人")
    reason: str = Field(default="", max_length=2000)
    phone: Phone = ""
    facts: dict = Field(
        default_factory=dict,
        description="家庭成员收入（按类别，单位分）、财产情况、医疗费用等，与救助测算的输入格式相同",
    )
    requested_amount_fen: Fen | None = None
    is_emergency: bool = False
    relative_of_staff: bool = False
    relative_relation: str = Field(default="", max_length=200)
    applied_on: Date | None = Field(
        default=None, description="工作人员补录纸质申请时的申请日期；默认今天"
    )


class CaseOut(Schema):
    id: int
    number: str
    programme: str
    programme_label: str
    state: str
    state_label: str
    channel: str
    applicant: dict
    household: dict
    region: dict
    applied_on: dt.date
    stage_started_on: dt.date
    stage_due_on: dt.date | None
    overdue: bool
    is_emergency: bool
    closed_on: dt.date | None


class CaseDetailOut(CaseOut):
    filed_by: str
    reason: str
    phone: str
    facts: dict
    requested_amount_fen: int | None
    relative_of_staff: bool
    relative_relation: str
    refusal_reasons: str | None
    documents: list[dict]
    missing_materials: dict | None
    authorisation: dict | None
    investigations: list[dict]
    appraisals: list[dict]
    publicity: dict | None
    objections: list[dict]
    spot_check: dict | None
    emergency_payment: dict | None
    decisions: list[dict]
    assessment: dict | None = Field(
        description="按规则计算的月救助金额及计算过程（按月发放的项目，审核审批阶段；工作人员可见）"
    )
    allowed_actions: list[str]
    timeline: list[dict]


class EventOut(Schema):
    id: int
    action: str
    from_state: str
    to_state: str
    by: str
    on: dt.date
    at: dt.datetime
    note: str
    data: dict


class ListItemOut(Schema):
    case_id: int
    number: str
    name: str
    id_number_masked: str
    region: str
    members: int
    programme: str
    starts_on: dt.date | None = None
    last_day: dt.date | None = Field(
        default=None, description="公示最后一日（可提出异议的最后一天），次日起可报送县级审批"
    )
    amount_fen: int | None = None
    decided_on: dt.date | None = None


class OnIn(Schema):
    on: Date | None = Field(default=None, description="办理日期，默认今天；不得晚于今天")


class AcceptIn(OnIn):
    missing_materials: list[str] = Field(
        default_factory=list, description="一次性告知需补齐的材料；为空表示材料齐全"
    )


class AuthorisationIn(Schema):
    document_id: Id
    signed_on: Date
    signed_by: list[str]


class VerificationIn(OnIn):
    passed: bool
    report_ref: str = Field(default="", max_length=100)
    reasons: str = Field(default="", max_length=4000)


class InvestigationIn(OnIn):
    investigators: list[str]
    visited_on: Date
    findings: str = Field(max_length=8000)


class AppraisalIn(OnIn):
    held_on: Date
    invitees: int = Field(ge=0, le=10000)
    attendees: int = Field(ge=0, le=10000)
    votes_for: int = Field(ge=0, le=10000)
    votes_against: int = Field(ge=0, le=10000)
    note: str = Field(default="", max_length=4000)


class DecisionIn(OnIn):
    decision: choice(["approve", "refuse"]) = Field(description="approve 批准或 refuse 不予批准")
    reasons: str = Field(default="", max_length=4000, description="理由；不予批准时必填")


class TownshipReviewIn(DecisionIn):
    publicity_starts_on: Date | None = None


class CountyDecisionIn(DecisionIn):
    amount_fen: Fen | None = Field(
        default=None,
        description="核定金额（分/月）；按月发放的项目必填，默认应为 assessment.amount_fen",
    )
    amount_reason: str = Field(
        default="", max_length=2000, description="核定金额与按规则计算的金额不同时必填"
    )


class ObjectionIn(Schema):
    content: str = Field(max_length=4000)
    objector: str = Field(default="", max_length=64)
    filed_on: Date | None = None


class ObjectionResolveIn(OnIn):
    outcome: choice(ObjectionOutcome.values) = Field(description="upheld 成立或 dismissed 不成立")
    resolution: str = Field(max_length=4000)


class SpotCheckIn(Schema):
    checked_on: Date
    investigators: list[str]
    findings: str = Field(max_length=8000)


class WithdrawIn(OnIn):
    reason: str = Field(default="", max_length=2000)


class RelativeIn(Schema):
    relation: str = Field(max_length=200)


class EmergencyGrantIn(Schema):
    amount_fen: Fen
    method: str = Field(description="cash、transfer 或 in_kind")
    paid_on: Date | None = None
    note: str = Field(default="", max_length=2000)


class ListFilter(Schema):
    state: choice(["", "open", *State.values]) = Field(
        default="", description="办理阶段；open 为全部未办结"
    )
    programme: choice(["", *Programme.values]) = ""
    region: str = ""
    q: str = ""
    overdue: bool = False


# ---------------------------------------------------------------- output


def _person_ref(person) -> dict:
    return {"id": person.pk, "name": person.name, "id_number_masked": person.id_masked}


def case_out(case: Case, *, today: dt.date | None = None) -> dict:
    return {
        "id": case.pk,
        "number": case.number,
        "programme": case.programme,
        "programme_label": case.get_programme_display(),
        "state": case.state,
        "state_label": case.get_state_display(),
        "channel": case.channel,
        "applicant": _person_ref(case.applicant),
        "household": {"id": case.household_id, "number": case.household.number},
        "region": {"code": case.region.code, "name": case.region.name},
        "applied_on": case.applied_on,
        "stage_started_on": case.stage_started_on,
        "stage_due_on": case.stage_due_on,
        "overdue": selectors.is_overdue(case, today=today),
        "is_emergency": case.is_emergency,
        "closed_on": case.closed_on,
    }


def _assessment(case: Case) -> dict | None:
    if case.state not in ASSESSED_STATES:
        return None
    found = assess_case(case, on=clock.today())
    return found.as_dict() if found else None


def case_detail_out(user, case: Case) -> dict:
    case = Case.objects.select_related("applicant", "household", "region", "filed_by").get(
        pk=case.pk
    )
    staff = user.role != Role.RESIDENT
    notice = getattr(case, "missing_materials", None)
    authorisation = getattr(case, "authorisation", None)
    publicity = getattr(case, "publicity", None)
    check = getattr(case, "spot_check", None)
    payment = getattr(case, "emergency_payment", None)
    refusal = selectors.refusal(case)
    return case_out(case) | {
        "filed_by": actor_name(case.filed_by),
        "reason": case.reason,
        "phone": case.phone,
        "facts": case.facts,
        "requested_amount_fen": case.requested_amount_fen,
        "relative_of_staff": case.relative_of_staff,
        "relative_relation": case.relative_relation if staff else "",
        "refusal_reasons": refusal.reasons if refusal else None,
        "documents": [
            {
                "id": d.pk,
                "kind": d.kind,
                "kind_label": d.get_kind_display(),
                "name": d.original_name,
                "content_type": d.content_type,
                "size": d.size,
                "uploaded_at": d.uploaded_at,
            }
            for d in case.documents.all()
        ],
        "missing_materials": {
            "items": notice.items,
            "issued_on": notice.issued_on,
            "completed_on": notice.completed_on,
        }
        if notice
        else None,
        "authorisation": {
            "document_id": authorisation.document_id,
            "signed_on": authorisation.signed_on,
            "signed_by": authorisation.signed_by,
        }
        if authorisation
        else None,
        "investigations": [
            {"investigators": i.investigators, "visited_on": i.visited_on, "findings": i.findings}
            for i in case.investigations.all()
        ],
        "appraisals": [
            {
                "held_on": a.held_on,
                "invitees": a.invitees,
                "attendees": a.attendees,
                "votes_for": a.votes_for,
                "votes_against": a.votes_against,
                "approved": a.approved,
                "quorum_ratio": a.quorum_ratio,
                "approval_ratio": a.approval_ratio,
                "note": a.note,
            }
            for a in case.appraisals.all()
        ],
        "publicity": {
            "starts_on": publicity.starts_on,
            "last_day": publicity.last_day,
            "closed_on": publicity.closed_on,
        }
        if publicity
        else None,
        "objections": [
            {
                "id": o.pk,
                "objector": o.objector if staff else "",
                "content": o.content,
                "filed_on": o.filed_on,
                "due_on": o.due_on,
                "outcome": o.outcome,
                "resolution": o.resolution,
                "resolved_on": o.resolved_on,
            }
            for o in case.objections.all()
        ],
        "spot_check": {
            "reason": check.reason,
            "selected_on": check.selected_on,
            "checked_on": check.checked_on,
            "investigators": check.investigators,
            "findings": check.findings,
        }
        if check and staff
        else None,
        "emergency_payment": {
            "amount_fen": payment.amount_fen,
            "method": payment.method,
            "paid_on": payment.paid_on,
        }
        if payment
        else None,
        "decisions": [
            {
                "level": d.level,
                "outcome": d.outcome,
                "reasons": d.reasons,
                "amount_fen": d.amount_fen,
                "rules_amount_fen": d.rules_amount_fen,
                "amount_reason": d.amount_reason,
                "decided_on": d.decided_on,
            }
            for d in case.decisions.all()
        ],
        "assessment": _assessment(case) if staff else None,
        "allowed_actions": selectors.allowed_actions(user, case),
        "timeline": [
            {
                "state": s.state,
                "label": s.label,
                "status": s.status,
                "on": s.on,
                **({"detail": s.detail} if s.detail else {}),
            }
            for s in selectors.timeline(case)
        ],
    }


def _case(request, case_id: Id) -> Case:
    return selectors.get_case(request.user, case_id)


def _detail(request, case: Case) -> dict:
    return case_detail_out(request.user, case)


def _region(code: str, field: str = "region"):
    if not code:
        return None
    region = resolve_code(code)
    if region is None:
        raise ServiceError({field: [_("区划代码不存在：%(code)s") % {"code": code}]})
    return region


# ---------------------------------------------------------------- application, list, detail


@router.post("", response={201: CaseDetailOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut})
def create_case(request, payload: CaseIn):
    """Apply: a resident for their own household, a village worker on the applicant's behalf,
    a township clerk at the window. 409 when the household already receives the programme (or
    one it excludes: 低保 and 特困) or has an application for it open."""
    user = request.user
    household = applicant = None
    if payload.household_id is not None:
        household = people_selectors.households_for(user).filter(pk=payload.household_id).first()
        if household is None:
            raise ServiceError({"household_id": [_("家庭不存在或不在管辖范围内")]})
    if payload.applicant_id is not None and user.role != Role.RESIDENT:
        applicant = people_selectors.people_for(user).filter(pk=payload.applicant_id).first()
        if applicant is None:
            raise ServiceError({"applicant_id": [_("人员不存在或不在管辖范围内")]})
    case = services.apply(
        user=user,
        programme=payload.programme,
        household=household,
        applicant=applicant,
        reason=payload.reason,
        phone=payload.phone,
        facts=payload.facts,
        requested_amount_fen=payload.requested_amount_fen,
        is_emergency=payload.is_emergency,
        relative_of_staff=payload.relative_of_staff,
        relative_relation=payload.relative_relation,
        applied_on=payload.applied_on,
    )
    return Status(201, _detail(request, case))


@router.get("", response=list[CaseOut])
@paginated()
def list_cases(request, filters: Query[ListFilter]):
    """Cases in the user's regions (residents: their own), filtered by stage, programme, region,
    number or name, or only the overdue ones."""
    if filters.state and filters.state != "open" and filters.state not in State.values:
        raise ServiceError({"state": [_("办理阶段无效")]})
    qs = selectors.search_cases(
        request.user,
        state=filters.state,
        programme=filters.programme,
        region_code=filters.region,
        query=filters.q,
        overdue=filters.overdue,
    )
    if not filters.overdue:
        qs = qs.order_by("-id")
    today = clock.today()
    return Listing(qs, lambda c: case_out(c, today=today))


class PublicityFilter(Schema):
    region: str = ""
    on: Date | None = None


class ApprovedFilter(Schema):
    region: str = ""
    date_from: Date
    date_to: Date


def _publicity_rows(request, filters: PublicityFilter):
    region = _region(filters.region)
    on = filters.on or clock.today()
    return region, on, list(selectors.publicity_list(request.user, region=region, on=on))


def _approved_rows(request, filters: ApprovedFilter):
    if filters.date_to < filters.date_from:
        raise ServiceError({"date_to": [_("结束日期不能早于开始日期")]})
    region = _region(filters.region)
    return region, list(
        selectors.approved_list(
            request.user, region=region, date_from=filters.date_from, date_to=filters.date_to
        )
    )


@router.get("/publicity", response=list[ListItemOut])
def publicity(request, filters: Query[PublicityFilter]):
    """Cases in publicity (公示名单), IDs masked."""
    _region_, _on, cases = _publicity_rows(request, filters)
    return [
        {
            "case_id": c.pk,
            "number": c.number,
            "name": c.applicant.name,
            "id_number_masked": c.applicant.id_masked,
            "region": c.region.name,
            "members": selectors.member_count(c),
            "programme": c.programme,
            "starts_on": c.publicity.starts_on,
            "last_day": c.publicity.last_day,
        }
        for c in cases
    ]


@router.get("/publicity.pdf", response={200: None})
def publicity_pdf(request, filters: Query[PublicityFilter]):
    region, on, cases = _publicity_rows(request, filters)
    return _pdf(pdf.publicity_list_pdf(cases, region=region, on=on), "publicity.pdf")


@router.get("/approved", response=list[ListItemOut])
def approved(request, filters: Query[ApprovedFilter]):
    """The published list of approved cases of a region and period, IDs masked."""
    _region_, cases = _approved_rows(request, filters)
    rows = []
    for c in cases:
        decision = selectors.approval(c)
        rows.append(
            {
                "case_id": c.pk,
                "number": c.number,
                "name": c.applicant.name,
                "id_number_masked": c.applicant.id_masked,
                "region": c.region.name,
                "members": selectors.member_count(c),
                "programme": c.programme,
                "amount_fen": decision.amount_fen,
                "decided_on": decision.decided_on,
            }
        )
    return rows


@router.get("/approved.pdf", response={200: None})
def approved_pdf(request, filters: Query[ApprovedFilter]):
    region, cases = _approved_rows(request, filters)
    return _pdf(
        pdf.approved_list_pdf(
            cases, region=region, date_from=filters.date_from, date_to=filters.date_to
        ),
        "approved.pdf",
    )


def _pdf(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@router.get("/{int:case_id}", response=CaseDetailOut)
def get_case(request, case_id: Id):
    return _detail(request, _case(request, case_id))


@router.get("/{int:case_id}/events", response=list[EventOut])
def case_events(request, case_id: Id):
    case = _case(request, case_id)
    return [
        {
            "id": e.pk,
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "by": e.by_name,
            "on": e.on,
            "at": e.at,
            "note": e.note,
            "data": e.data,
        }
        for e in case.events.all()
    ]


@router.get("/{int:case_id}/notice.pdf", response={200: None})
def notice(request, case_id: Id):
    """The approval notice or the refusal notice with its written reasons."""
    case = _case(request, case_id)
    if case.state not in (State.APPROVED, State.REFUSED):
        raise ServiceError({"state": [_("申请尚未办结，没有通知书")]}, status=409)
    return _pdf(pdf.notice_pdf(case), f"notice-{case.number}.pdf")


# ---------------------------------------------------------------- documents


@router.post("/{int:case_id}/documents", response={201: dict})
def upload_document(request, case_id: Id, kind: Form[str], file: File[UploadedFile]):
    """Upload a scan (ID card, hukou book, income proof, authorisation…): PDF, JPG or PNG, ≤ 10 MB."""
    case = _case(request, case_id)
    document = services.upload_document(user=request.user, case=case, kind=kind, uploaded_file=file)
    return Status(
        201,
        {
            "id": document.pk,
            "kind": document.kind,
            "name": document.original_name,
            "size": document.size,
            "content_type": document.content_type,
        },
    )


@router.get("/{int:case_id}/documents/{int:document_id}", response={200: None})
def download_document(request, case_id: Id, document_id: Id):
    case = _case(request, case_id)
    document = case.documents.filter(pk=document_id).first()
    if document is None:
        raise NotFoundOrOutOfScope()
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="document-{document.pk}{document.extension}"'
    )
    return response


@router.post("/{int:case_id}/authorisation", response=CaseDetailOut)
def authorisation(request, case_id: Id, payload: AuthorisationIn):
    case = _case(request, case_id)
    document = case.documents.filter(pk=payload.document_id).first()
    if document is None:
        raise ServiceError({"document_id": [_("请选择本申请已上传的核对授权书扫描件")]})
    services.record_authorisation(
        user=request.user,
        case=case,
        document=document,
        signed_on=payload.signed_on,
        signed_by=payload.signed_by,
    )
    return _detail(request, case)


# ---------------------------------------------------------------- transitions


@router.post("/{int:case_id}/accept", response=CaseDetailOut)
def accept(request, case_id: Id, payload: AcceptIn):
    case = services.accept(
        user=request.user,
        case=_case(request, case_id),
        missing_materials=payload.missing_materials,
        on=payload.on,
    )
    return _detail(request, case)


@router.post("/{int:case_id}/complete-materials", response=CaseDetailOut)
def complete_materials(request, case_id: Id, payload: OnIn):
    case = services.complete_materials(
        user=request.user, case=_case(request, case_id), on=payload.on
    )
    return _detail(request, case)


@router.post("/{int:case_id}/verification", response=CaseDetailOut)
def verification(request, case_id: Id, payload: VerificationIn):
    case = services.record_verification(
        user=request.user,
        case=_case(request, case_id),
        passed=payload.passed,
        report_ref=payload.report_ref,
        reasons=payload.reasons,
        on=payload.on,
    )
    return _detail(request, case)


@router.post("/{int:case_id}/investigation", response=CaseDetailOut)
def investigation(request, case_id: Id, payload: InvestigationIn):
    case = _case(request, case_id)
    services.record_investigation(
        user=request.user,
        case=case,
        investigators=payload.investigators,
        visited_on=payload.visited_on,
        findings=payload.findings,
        on=payload.on,
    )
    return _detail(request, case)


@router.post("/{int:case_id}/appraisal", response=CaseDetailOut)
def appraisal(request, case_id: Id, payload: AppraisalIn):
    case = _case(request, case_id)
    services.record_appraisal(
        user=request.user,
        case=case,
        held_on=payload.held_on,
        invitees=payload.invitees,
        attendees=payload.attendees,
        votes_for=payload.votes_for,
        votes_against=payload.votes_against,
        note=payload.note,
        on=payload.on,
    )
    return _detail(request, case)


@router.post("/{int:case_id}/township-review", response=CaseDetailOut)
def township_review(request, case_id: Id, payload: TownshipReviewIn):
    case = services.township_review(
        user=request.user,
        case=_case(request, case_id),
        approve=payload.decision == "approve",
        reasons=payload.reasons,
        publicity_starts_on=payload.publicity_starts_on,
        on=payload.on,
    )
    return _detail(request, case)


@router.post("/{int:case_id}/objections", response={201: CaseDetailOut})
def file_objection(request, case_id: Id, payload: ObjectionIn):
    case = _case(request, case_id)
    services.file_objection(
        user=request.user,
        case=case,
        content=payload.content,
        objector=payload.objector,
        filed_on=payload.filed_on,
    )
    return Status(201, _detail(request, case))


@router.post("/{int:case_id}/objections/{int:objection_id}/resolve", response=CaseDetailOut)
def resolve_objection(request, case_id: Id, objection_id: Id, payload: ObjectionResolveIn):
    case = _case(request, case_id)
    objection = case.objections.filter(pk=objection_id).first()
    if objection is None:
        raise NotFoundOrOutOfScope()
    if payload.outcome not in ObjectionOutcome.values:
        raise ServiceError({"outcome": [_("请选择异议是否成立")]})
    services.resolve_objection(
        user=request.user,
        case=case,
        objection=objection,
        outcome=payload.outcome,
        resolution=payload.resolution,
        on=payload.on,
    )
    return _detail(request, case)


@router.post("/{int:case_id}/close-publicity", response=CaseDetailOut)
def close_publicity(request, case_id: Id, payload: OnIn):
    case = services.close_publicity(user=request.user, case=_case(request, case_id), on=payload.on)
    return _detail(request, case)


@router.post("/{int:case_id}/spot-check", response=CaseDetailOut)
def spot_check(request, case_id: Id, payload: SpotCheckIn):
    case = _case(request, case_id)
    services.record_spot_check(
        user=request.user,
        case=case,
        checked_on=payload.checked_on,
        investigators=payload.investigators,
        findings=payload.findings,
    )
    return _detail(request, case)


@router.post(
    "/{int:case_id}/county-decision",
    response={200: CaseDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def county_decision(request, case_id: Id, payload: CountyDecisionIn):
    case = services.county_decision(
        user=request.user,
        case=_case(request, case_id),
        approve=payload.decision == "approve",
        reasons=payload.reasons,
        amount_fen=payload.amount_fen,
        amount_reason=payload.amount_reason,
        on=payload.on,
    )
    return _detail(request, case)


@router.post("/{int:case_id}/withdraw", response=CaseDetailOut)
def withdraw(request, case_id: Id, payload: WithdrawIn):
    case = services.withdraw(
        user=request.user, case=_case(request, case_id), reason=payload.reason, on=payload.on
    )
    return _detail(request, case)


@router.post("/{int:case_id}/staff-relative", response=CaseDetailOut)
def staff_relative(request, case_id: Id, payload: RelativeIn):
    case = services.declare_staff_relative(
        user=request.user, case=_case(request, case_id), relation=payload.relation
    )
    return _detail(request, case)


@router.post("/{int:case_id}/emergency-grant", response=CaseDetailOut)
def emergency_grant(request, case_id: Id, payload: EmergencyGrantIn):
    case = _case(request, case_id)
    services.grant_emergency(
        user=request.user,
        case=case,
        amount_fen=payload.amount_fen,
        method=payload.method,
        paid_on=payload.paid_on,
        note=payload.note,
    )
    return _detail(request, case)


@router.post("/{int:case_id}/emergency-paperwork", response=CaseDetailOut)
def emergency_paperwork(request, case_id: Id, payload: OnIn):
    case = services.complete_emergency_paperwork(
        user=request.user, case=_case(request, case_id), on=payload.on
    )
    return _detail(request, case)
