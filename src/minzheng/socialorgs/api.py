"""JSON API of the social-organisation registry, mounted at /api/v1/socialorgs. Registry staff read
their registries' records (another county's read 404); an organisation account its own
organisation; the public register and the complaint form need no login and carry no personal
data but the legal representative's name (printed on the certificate)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from minzheng.accounts import lockout
from minzheng.api.auth import issue_token
from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Date, Id, choice
from minzheng.core.errors import ServiceError
from minzheng.core.pagination import Listing, paginated
from minzheng.people.selectors import masked_name, masked_phone

from . import rules, selectors, services
from .models import (
    ComplaintStatus,
    ComplaintSubject,
    Conclusion,
    ListKind,
    MeasureKind,
    OrganisationField,
    OrganisationKind,
    OrganisationStatus,
    RequestKind,
)
from .permissions import may_read

router = Router(tags=["social organisations"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

# ---------------------------------------------------------------- sign-up


class OrgSignupIn(Schema):
    id_number: str = Field(max_length=32, description="法定代表人身份证号码")
    name: str = Field(max_length=64, description="法定代表人姓名")
    phone: str = Field(max_length=20, description="联系手机")
    username: str = Field(max_length=30, description="登录名")
    password: str = Field(max_length=128)


class OrgSignupOut(Schema):
    detail: str


class OrgActivateIn(Schema):
    username: str = Field(max_length=30)
    code: str = Field(max_length=16)


class OrgTokenOut(Schema):
    token: str
    token_type: str = "Bearer"
    expires_in: int
    expires_at: dt.datetime


@router.post("/signup", auth=None, response={202: OrgSignupOut, 422: ErrorOut, 429: ErrorOut})
def signup(request, payload: OrgSignupIn):
    """An organisation's legal representative opens an account: the same answer whatever the
    population registry holds; a match gets a code by SMS on the number on record."""
    if lockout.is_locked(request, payload.username):
        return lockout.lockout_response(request)
    lockout.record_failure(request, payload.username)
    services.signup(**payload.dict())
    return Status(202, {"detail": services.neutral_answer()})


@router.post(
    "/signup/activate", auth=None, response={201: OrgTokenOut, 422: ErrorOut, 429: ErrorOut}
)
def activate(request, payload: OrgActivateIn):
    if lockout.is_locked(request, payload.username):
        return lockout.lockout_response(request)
    try:
        user = services.activate(username=payload.username, code=payload.code)
    except ServiceError:
        lockout.record_failure(request, payload.username)
        raise
    return Status(201, issue_token(user))


# ---------------------------------------------------------------- organisations


class OrgOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    field: str
    field_label: str
    status: str
    status_label: str
    registry_code: str
    registry_name: str
    region_code: str
    region_name: str
    address: str
    legal_representative: str
    supervising_unit: str
    capital_fen: int
    purpose: str
    credit_code: str
    channel: str
    applied_at: dt.datetime
    due_on: dt.date | None
    registered_on: dt.date | None
    ended_on: dt.date | None
    refusal_reason: str


def org_out(o, *, full_name: bool = True) -> dict:
    name = o.legal_representative.name if o.legal_representative_id else ""
    return {
        "id": o.pk,
        "name": o.name,
        "kind": o.kind,
        "kind_label": o.get_kind_display(),
        "field": o.field,
        "field_label": o.get_field_display(),
        "status": o.status,
        "status_label": o.get_status_display(),
        "registry_code": o.registry.code,
        "registry_name": o.registry.name,
        "region_code": o.region.code,
        "region_name": o.region.name,
        "address": o.address,
        "legal_representative": name if full_name else masked_name(name),
        "supervising_unit": o.supervising_unit,
        "capital_fen": o.capital_fen,
        "purpose": o.purpose,
        "credit_code": o.credit_code,
        "channel": o.channel,
        "applied_at": o.applied_at,
        "due_on": o.due_on,
        "registered_on": o.registered_on,
        "ended_on": o.ended_on,
        "refusal_reason": o.refusal_reason,
    }


class OrgFilter(Schema):
    status: choice(OrganisationStatus.values) | None = None
    kind: choice(OrganisationKind.values) | None = None
    q: str = Field(default="", max_length=50)


@router.get("/organisations", response=list[OrgOut])
@paginated(default=100)
def list_organisations(request, filters: Query[OrgFilter]):
    qs = selectors.organisations_for(
        request.user, status=filters.status or "", kind=filters.kind or "", query=filters.q
    ).select_related("legal_representative")
    return Listing(qs.order_by("-applied_at", "-id"), org_out)


@router.get("/organisations/{int:org_id}", response={200: OrgOut, 404: ErrorOut})
def get_organisation(request, org_id: Id):
    return org_out(selectors.get_organisation(request.user, org_id))


@router.post("/applications", response={201: OrgOut, **ERRORS})
def apply(
    request,
    name: Form[str],
    kind: Form[str],
    field: Form[str],
    registry_code: Form[str],
    region_code: Form[str],
    address: Form[str],
    capital_fen: Form[int],
    purpose: Form[str],
    phone: Form[str],
    articles: File[UploadedFile] = None,
    supervising_unit: Form[str] = "",
    legal_id_number: Form[str] = "",
    legal_name: Form[str] = "",
):
    """成立登记 (multipart, with the articles file): online by an organisation account (its legal
    representative is the account's), or at the window by registry staff (legal representative
    by ID number and name)."""
    org = services.apply_registration(
        user=request.user,
        name=name,
        kind=kind,
        field=field,
        registry_code=registry_code,
        region_code=region_code,
        address=address,
        supervising_unit=supervising_unit,
        capital_fen=capital_fen,
        purpose=purpose,
        phone=phone,
        articles=articles,
        legal_id_number=legal_id_number,
        legal_name=legal_name,
    )
    return Status(201, org_out(org))


class OrgDecisionIn(Schema):
    on: Date | None = None


class OrgRefusalIn(Schema):
    reason: str = Field(max_length=2000)


@router.post("/organisations/{int:org_id}/approve", response={200: OrgOut, **ERRORS})
def approve(request, org_id: Id, payload: OrgDecisionIn):
    org = selectors.get_organisation(request.user, org_id)
    return org_out(
        services.approve_registration(user=request.user, organisation=org, on=payload.on)
    )


@router.post("/organisations/{int:org_id}/refuse", response={200: OrgOut, **ERRORS})
def refuse(request, org_id: Id, payload: OrgRefusalIn):
    org = selectors.get_organisation(request.user, org_id)
    return org_out(
        services.refuse_registration(user=request.user, organisation=org, reason=payload.reason)
    )


@router.get(
    "/organisations/{int:org_id}/certificate", response={200: None, 404: ErrorOut, 409: ErrorOut}
)
def certificate(request, org_id: Id):
    """The registration certificate as a PDF."""
    org = selectors.get_organisation(request.user, org_id)
    response = HttpResponse(services.certificate_pdf(org), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{org.credit_code}.pdf"'
    return response


@router.post("/name-check", response={200: dict, 422: ErrorOut})
def name_check(request, name: str, kind: str, registry_code: str):
    """The name rules and uniqueness, before applying."""
    errors: dict = {}
    registry = services._registry(registry_code, errors)
    if registry is not None:
        if problems := services.check_name(name, kind=kind, registry=registry):
            errors["name"] = problems
    if errors:
        raise ServiceError(errors)
    return {"ok": True}


# ---------------------------------------------------------------- changes


class OrgRequestIn(Schema):
    kind: choice(RequestKind.values)
    changes: dict = Field(
        default_factory=dict,
        description="name/address/region/legal_representative(+legal_name)/capital_fen/purpose",
    )
    reason: str = Field(max_length=2000)


class OrgRequestOut(Schema):
    id: int
    organisation_id: int
    kind: str
    changes: dict
    reason: str
    status: str
    due_on: dt.date
    decided_on: dt.date | None
    refusal_reason: str


def request_out(r) -> dict:
    return {
        "id": r.pk,
        "organisation_id": r.organisation_id,
        "kind": r.kind,
        "changes": r.changes,
        "reason": r.reason,
        "status": r.status,
        "due_on": r.due_on,
        "decided_on": r.decided_on,
        "refusal_reason": r.refusal_reason,
    }


class OrgRequestDecisionIn(Schema):
    approve: bool
    reason: str = Field(default="", max_length=2000)
    on: Date | None = None


@router.post("/organisations/{int:org_id}/requests", response={201: OrgRequestOut, **ERRORS})
def file_request(request, org_id: Id, payload: OrgRequestIn):
    org = selectors.get_organisation(request.user, org_id)
    row = services.file_request(user=request.user, organisation=org, **payload.dict())
    return Status(201, request_out(row))


@router.get("/requests", response=list[OrgRequestOut])
@paginated(default=100)
def list_requests(request):
    return Listing(selectors.requests_for(request.user), request_out)


@router.post("/requests/{int:request_id}/decide", response={200: OrgRequestOut, **ERRORS})
def decide_request(request, request_id: Id, payload: OrgRequestDecisionIn):
    row = selectors.get_request(request.user, request_id)
    return request_out(services.decide_request(user=request.user, request=row, **payload.dict()))


# ---------------------------------------------------------------- annual reports


class OrgReportIn(Schema):
    year: int = Field(ge=2000, le=2100)
    income_fen: int = Field(ge=0)
    expenditure_fen: int = Field(ge=0)
    net_assets_fen: int
    staff: int = Field(ge=0, le=1_000_000)
    activities: str = Field(max_length=4000)
    supervisor_on: Date | None = None
    on: Date | None = None


class OrgReportOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    year: int
    income_fen: int
    expenditure_fen: int
    net_assets_fen: int
    staff: int
    activities: str
    supervisor_on: dt.date | None
    filed_on: dt.date
    conclusion: str
    conclusion_label: str
    remarks: str
    inspected_on: dt.date | None


def report_out(r) -> dict:
    return {
        "id": r.pk,
        "organisation_id": r.organisation_id,
        "organisation_name": r.organisation.name,
        "year": r.year,
        "income_fen": r.income_fen,
        "expenditure_fen": r.expenditure_fen,
        "net_assets_fen": r.net_assets_fen,
        "staff": r.staff,
        "activities": r.activities,
        "supervisor_on": r.supervisor_on,
        "filed_on": r.filed_on,
        "conclusion": r.conclusion,
        "conclusion_label": r.get_conclusion_display() if r.conclusion else "",
        "remarks": r.remarks,
        "inspected_on": r.inspected_on,
    }


class OrgInspectionIn(Schema):
    conclusion: choice(Conclusion.values)
    remarks: str = Field(default="", max_length=2000)
    on: Date | None = None


@router.post("/organisations/{int:org_id}/reports", response={201: OrgReportOut, **ERRORS})
def file_report(request, org_id: Id, payload: OrgReportIn):
    org = selectors.get_organisation(request.user, org_id)
    row = services.file_report(user=request.user, organisation=org, **payload.dict())
    return Status(201, report_out(row))


class OrgReportFilter(Schema):
    year: int | None = Field(default=None, ge=2000, le=2100)
    pending: bool = False


@router.get("/reports", response=list[OrgReportOut])
@paginated(default=100)
def list_reports(request, filters: Query[OrgReportFilter]):
    qs = selectors.reports_for(request.user, year=filters.year, pending=filters.pending)
    return Listing(qs.order_by("-year", "organisation__name"), report_out)


@router.post("/reports/{int:report_id}/inspect", response={200: OrgReportOut, **ERRORS})
def inspect(request, report_id: Id, payload: OrgInspectionIn):
    row = selectors.get_report(request.user, report_id)
    return report_out(services.inspect_report(user=request.user, report=row, **payload.dict()))


class OrgOverdueOut(Schema):
    id: int
    name: str
    credit_code: str
    registry_name: str


@router.get("/reports/overdue", response=list[OrgOverdueOut])
@paginated(default=100)
def overdue(request, year: int | None = None):
    """Organisations that had not filed the report of `year` (default last year) by 31 May."""
    today = timezone.localdate()
    year = year or today.year - 1
    qs = selectors.overdue_reports(request.user, year, today).order_by("name")
    return Listing(
        qs,
        lambda o: {
            "id": o.pk,
            "name": o.name,
            "credit_code": o.credit_code,
            "registry_name": o.registry.name,
        },
    )


# ---------------------------------------------------------------- ratings


class OrgRatingOut(Schema):
    id: int
    organisation_id: int
    applied_on: dt.date
    score: int | None
    grade: str
    decided_on: dt.date | None
    valid_until: dt.date | None


def rating_out(r) -> dict:
    return {
        "id": r.pk,
        "organisation_id": r.organisation_id,
        "applied_on": r.applied_on,
        "score": r.score,
        "grade": r.grade,
        "decided_on": r.decided_on,
        "valid_until": r.valid_until,
    }


class OrgRatingGradeIn(Schema):
    score: int = Field(ge=0, le=rules.MAX_SCORE)
    on: Date | None = None


@router.post("/organisations/{int:org_id}/ratings", response={201: OrgRatingOut, **ERRORS})
def apply_rating(request, org_id: Id, payload: OrgDecisionIn):
    org = selectors.get_organisation(request.user, org_id)
    return Status(
        201, rating_out(services.apply_rating(user=request.user, organisation=org, on=payload.on))
    )


@router.post("/ratings/{int:rating_id}/grade", response={200: OrgRatingOut, **ERRORS})
def grade(request, rating_id: Id, payload: OrgRatingGradeIn):
    row = selectors.get_rating(request.user, rating_id)
    return rating_out(services.grade_rating(user=request.user, rating=row, **payload.dict()))


# ---------------------------------------------------------------- supervision


class OrgMeasureIn(Schema):
    kind: choice(MeasureKind.values)
    findings: str = Field(max_length=4000)
    amount_fen: int | None = Field(default=None, ge=1)
    until: Date | None = None
    on: Date | None = None


class OrgMeasureOut(Schema):
    id: int
    organisation_id: int
    kind: str
    on: dt.date
    findings: str
    amount_fen: int | None
    until: dt.date | None
    organisation_status: str


@router.post("/organisations/{int:org_id}/measures", response={201: OrgMeasureOut, **ERRORS})
def measure(request, org_id: Id, payload: OrgMeasureIn):
    org = selectors.get_organisation(request.user, org_id)
    row = services.record_measure(user=request.user, organisation=org, **payload.dict())
    return Status(
        201,
        {
            "id": row.pk,
            "organisation_id": row.organisation_id,
            "kind": row.kind,
            "on": row.on,
            "findings": row.findings,
            "amount_fen": row.amount_fen,
            "until": row.until,
            "organisation_status": row.organisation.status,
        },
    )


class OrgListIn(Schema):
    list: choice(ListKind.values)
    reason: str = Field(max_length=2000)
    on: Date | None = None


class OrgListRemoveIn(Schema):
    reason: str = Field(max_length=2000)
    on: Date | None = None


class OrgListOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    list: str
    entered_on: dt.date
    reason: str
    removed_on: dt.date | None
    removal_reason: str


def entry_out(e) -> dict:
    return {
        "id": e.pk,
        "organisation_id": e.organisation_id,
        "organisation_name": e.organisation.name,
        "list": e.list,
        "entered_on": e.entered_on,
        "reason": e.reason,
        "removed_on": e.removed_on,
        "removal_reason": e.removal_reason,
    }


@router.post("/organisations/{int:org_id}/lists", response={201: OrgListOut, **ERRORS})
def enter_list(request, org_id: Id, payload: OrgListIn):
    org = selectors.get_organisation(request.user, org_id)
    row = services.enter_list(
        user=request.user,
        organisation=org,
        list_kind=payload.list,
        reason=payload.reason,
        on=payload.on,
    )
    return Status(201, entry_out(row))


@router.get("/lists", response=list[OrgListOut])
@paginated(default=100)
def list_entries(request, list: choice(ListKind.values) | None = None):  # noqa: A002
    return Listing(selectors.list_entries_for(request.user, list_kind=list or ""), entry_out)


@router.post("/lists/{int:entry_id}/remove", response={200: OrgListOut, **ERRORS})
def remove_from_list(request, entry_id: Id, payload: OrgListRemoveIn):
    row = selectors.get_list_entry(request.user, entry_id)
    return entry_out(services.remove_from_list(user=request.user, entry=row, **payload.dict()))


# ---------------------------------------------------------------- complaints


class OrgComplaintIn(Schema):
    subject: choice(ComplaintSubject.values)
    content: str = Field(max_length=4000)
    organisation_id: int | None = Field(default=None, ge=1)
    subject_name: str = Field(default="", max_length=100)
    region_code: str = Field(default="", max_length=12)
    complainant_name: str = Field(default="", max_length=64)
    complainant_phone: str = Field(default="", max_length=20)


class OrgComplaintOut(Schema):
    id: int
    number: str
    subject: str
    subject_name: str
    registry_code: str
    status: str
    status_label: str
    received_on: dt.date
    due_on: dt.date
    complainant_name: str
    complainant_phone: str
    content: str
    notes: str
    reply: str
    closed_on: dt.date | None


def complaint_out(c, user) -> dict:
    staff = may_read(user)
    full = staff and user.role != "leader"
    return {
        "id": c.pk,
        "number": c.number,
        "subject": c.subject,
        "subject_name": c.subject_name,
        "registry_code": c.registry.code,
        "status": c.status,
        "status_label": c.get_status_display(),
        "received_on": c.received_on,
        "due_on": c.due_on,
        "complainant_name": c.complainant_name if full else masked_name(c.complainant_name),
        "complainant_phone": c.complainant_phone if full else masked_phone(c.complainant_phone),
        "content": c.content,
        "notes": c.notes if staff else "",
        "reply": c.reply,
        "closed_on": c.closed_on,
    }


class OrgComplaintPublicOut(Schema):
    number: str
    detail: str


@router.post(
    "/complaints", auth=None, response={201: OrgComplaintPublicOut, 403: ErrorOut, 422: ErrorOut}
)
def file_complaint(request, payload: OrgComplaintIn):
    """Anyone may complain (signed in through the session, or with a name and phone)."""
    user = request.user if request.user.is_authenticated else None
    row = services.file_complaint(user=user, **payload.dict())
    return Status(201, {"number": row.number, "detail": "已受理，请记下投诉编号"})


@router.post("/complaints/mine", response={201: OrgComplaintOut, 403: ErrorOut, 422: ErrorOut})
def file_my_complaint(request, payload: OrgComplaintIn):
    """A signed-in resident or organisation (token) complains; they see it afterwards."""
    row = services.file_complaint(user=request.user, **payload.dict())
    return Status(201, complaint_out(row, request.user))


class OrgComplaintFilter(Schema):
    status: choice(ComplaintStatus.values) | None = None
    overdue: bool = False


@router.get("/complaints", response=list[OrgComplaintOut])
@paginated(default=100)
def list_complaints(request, filters: Query[OrgComplaintFilter]):
    qs = selectors.complaints_for(
        request.user,
        status=filters.status or "",
        overdue=filters.overdue,
        today=timezone.localdate(),
    )
    return Listing(qs, lambda c: complaint_out(c, request.user))


@router.get("/complaints/{int:complaint_id}", response={200: OrgComplaintOut, 404: ErrorOut})
def get_complaint(request, complaint_id: Id):
    return complaint_out(selectors.get_complaint(request.user, complaint_id), request.user)


class OrgComplaintNoteIn(Schema):
    note: str = Field(max_length=2000)


class OrgComplaintReplyIn(Schema):
    reply: str = Field(max_length=4000)
    on: Date | None = None


@router.post("/complaints/{int:complaint_id}/notes", response={200: OrgComplaintOut, **ERRORS})
def note(request, complaint_id: Id, payload: OrgComplaintNoteIn):
    row = selectors.get_complaint(request.user, complaint_id)
    row = services.note_complaint(user=request.user, complaint=row, note=payload.note)
    return complaint_out(row, request.user)


@router.post("/complaints/{int:complaint_id}/reply", response={200: OrgComplaintOut, **ERRORS})
def reply(request, complaint_id: Id, payload: OrgComplaintReplyIn):
    row = selectors.get_complaint(request.user, complaint_id)
    row = services.reply_complaint(user=request.user, complaint=row, **payload.dict())
    return complaint_out(row, request.user)


# ---------------------------------------------------------------- public register


class OrgPublicOut(Schema):
    name: str
    kind: str
    field: str
    status: str
    registry: str
    domicile: str
    registered_on: dt.date | None
    credit_code: str
    legal_representative: str
    rating: str
    rating_valid_until: dt.date | None
    inspections: list[dict]
    abnormal: bool


def public_out(o, today: dt.date) -> dict:
    rating = selectors.current_rating(o, today)
    return {
        "name": o.name,
        "kind": o.get_kind_display(),
        "field": o.get_field_display(),
        "status": o.get_status_display(),
        "registry": o.registry.name,
        "domicile": o.region.name,
        "registered_on": o.registered_on,
        "credit_code": o.credit_code,
        "legal_representative": o.legal_representative.name if o.legal_representative_id else "",
        "rating": rating.get_grade_display() if rating else "",
        "rating_valid_until": rating.valid_until if rating else None,
        "inspections": [
            {"year": r.year, "conclusion": r.get_conclusion_display()}
            for r in o.annual_reports.exclude(conclusion="").order_by("-year")[:5]
        ],
        "abnormal": o.list_entries.filter(list="abnormal", removed_on__isnull=True).exists(),
    }


class OrgPublicFilter(Schema):
    q: str = Field(default="", max_length=50)
    kind: choice(OrganisationKind.values) | None = None
    field: choice(OrganisationField.values) | None = None


@router.get("/public/organisations", auth=None, response=list[OrgPublicOut])
@paginated(default=20)
def public_register(request, filters: Query[OrgPublicFilter]):
    """The public register (no login): no ID number, phone or address of any person."""
    qs = selectors.public_organisations(query=filters.q, kind=filters.kind or "")
    if filters.field:
        qs = qs.filter(field=filters.field)
    today = timezone.localdate()
    return Listing(qs, lambda o: public_out(o, today))
