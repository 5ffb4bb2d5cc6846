"""JSON API of the special-care benefits, mounted at /api/v1/specialcare/benefits.

Every read and write goes through the user's region scope (a record of another county is a
404); bad input is a 422 with field-level Chinese messages; amounts are in fen."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Id, choice
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.pagination import Listing, paginated
from minzheng.core.scope import region_in_scope
from minzheng.regions.models import Region

from . import benefit_selectors as selectors
from . import benefits
from .jobs import enqueue_confirm_due
from .models import GrantKind, GuaranteeKind

router = Router(tags=["specialcare-benefits"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class PensionOut(Schema):
    id: int
    recipient_id: int
    name: str
    region_code: str
    category: str
    category_label: str
    disability_grade: int | None
    disability_cause: str
    entitlement_id: int
    status: str
    start_month: dt.date
    monthly_amount_fen: int
    confirmed_on: dt.date


class DueOut(Schema):
    recipient_id: int
    name: str
    region_code: str
    category: str
    category_label: str
    disability_grade: int | None
    disability_cause: str


class CountyIn(Schema):
    county_code: str = Field(
        default="", max_length=12, description="县（市、区）代码；县级账号可留空"
    )


class QueuedJobOut(Schema):
    job_id: str
    status: str


class ConscriptIssueIn(CountyIn):
    year: int = Field(ge=2000, le=2100, description="年度")


class ConscriptIssueOut(Schema):
    year: int
    issued: int
    skipped: int


class ConscriptOut(Schema):
    id: int
    recipient_id: int
    name: str
    region_code: str
    year: int
    amount_fen: int
    issued_on: dt.date
    payable_id: int | None
    payable_status: str


class GuaranteeIn(Schema):
    year: int = Field(ge=2000, le=2100, description="年度")
    kind: choice(GuaranteeKind.values) = Field(description="保障方式")
    amount_fen: int = Field(default=0, ge=0, description="金额（分）")
    note: str = Field(default="", max_length=200)


class GuaranteeOut(Schema):
    id: int
    recipient_id: int
    name: str
    region_code: str
    year: int
    kind: str
    kind_label: str
    amount_fen: int
    note: str
    recorded_on: dt.date


class GrantIn(Schema):
    kind: choice(GrantKind.values) = Field(description="补助类型")
    amount_fen: int = Field(ge=1, description="金额（分）")
    reason: str = Field(min_length=1, max_length=200, description="事由")


class SpecialCareGrantOut(Schema):
    id: int
    recipient_id: int
    name: str
    region_code: str
    kind: str
    kind_label: str
    amount_fen: int
    reason: str
    decided_on: dt.date
    payable_id: int | None
    payable_status: str


class YearFilter(Schema):
    year: int | None = Field(default=None, ge=2000, le=2100)


def _name(person) -> str:
    return person.name


def pension_out(p) -> dict:
    r, e = p.recipient, p.entitlement
    return {
        "id": p.pk,
        "recipient_id": r.pk,
        "name": _name(r.person),
        "region_code": r.region.code,
        "category": p.category,
        "category_label": p.get_category_display(),
        "disability_grade": p.disability_grade,
        "disability_cause": p.disability_cause,
        "entitlement_id": e.pk,
        "status": e.status,
        "start_month": e.start_month,
        "monthly_amount_fen": e.monthly_amount_fen,
        "confirmed_on": p.confirmed_on,
    }


def due_out(r) -> dict:
    return {
        "recipient_id": r.pk,
        "name": r.person.name,
        "region_code": r.region.code,
        "category": r.category,
        "category_label": r.get_category_display(),
        "disability_grade": r.disability_grade,
        "disability_cause": r.disability_cause,
    }


def conscript_out(b) -> dict:
    return {
        "id": b.pk,
        "recipient_id": b.recipient_id,
        "name": _name(b.recipient.person),
        "region_code": b.region.code,
        "year": b.year,
        "amount_fen": b.amount_fen,
        "issued_on": b.issued_on,
        "payable_id": b.payable_id,
        "payable_status": b.payable.status if b.payable_id else "",
    }


def guarantee_out(g) -> dict:
    return {
        "id": g.pk,
        "recipient_id": g.recipient_id,
        "name": _name(g.recipient.person),
        "region_code": g.region.code,
        "year": g.year,
        "kind": g.kind,
        "kind_label": g.get_kind_display(),
        "amount_fen": g.amount_fen,
        "note": g.note,
        "recorded_on": g.recorded_on,
    }


def grant_out(g) -> dict:
    return {
        "id": g.pk,
        "recipient_id": g.recipient_id,
        "name": _name(g.recipient.person),
        "region_code": g.region.code,
        "kind": g.kind,
        "kind_label": g.get_kind_display(),
        "amount_fen": g.amount_fen,
        "reason": g.reason,
        "decided_on": g.decided_on,
        "payable_id": g.payable_id,
        "payable_status": g.payable.status if g.payable_id else "",
    }


def county_for(user, code: str = "") -> Region:
    """The county an action is for: the county approver's own, or the one named (in scope)."""
    if not selectors.may_confirm(user):
        raise PermissionDeniedError(_("只有县级审批员可以执行此操作"))
    if not code:
        region = user.region
        if region is None or region.level != "county":
            raise ServiceError({"county_code": [_("请选择县（市、区）")]})
        return region
    region = Region.objects.filter(code=code, level="county").first()
    if region is None:
        raise ServiceError({"county_code": [_("县（市、区）代码不正确")]})
    if not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()
    return region


@router.get("/pensions", response=list[PensionOut])
@paginated(default=100)
def list_pensions(request):
    return Listing(selectors.live_pensions(request.user).order_by("-id"), pension_out)


@router.get("/pensions/due", response=list[DueOut])
@paginated(default=100)
def list_due(request):
    """Active recipients due a pension who have none in force."""
    qs = (
        selectors.with_pension_flag(selectors.recipients(request.user).filter(benefits.due_q()))
        .filter(has_pension=False, person__death_date__isnull=True)
        .order_by("region__path", "id")
    )
    return Listing(qs, due_out)


@router.post("/recipients/{int:recipient_id}/pension", response={201: PensionOut, **ERRORS})
def confirm_pension(request, recipient_id: Id):
    """The county approver confirms a recipient's pension (paid from next month)."""
    recipient = selectors.get_recipient(request.user, recipient_id)
    pension = benefits.confirm_pension(user=request.user, recipient=recipient)
    return Status(201, pension_out(selectors.pensions(request.user).get(pk=pension.pk)))


@router.post("/pensions/confirm-due", response={202: QueuedJobOut, **ERRORS})
def confirm_due(request, payload: CountyIn):
    """Queue the confirmation of every due recipient of the county who has no pension yet: a job
    (a large county's tens of thousands take a minute), its progress and result (`confirmed`,
    `skipped`) at /api/v1/jobs/{job_id}."""
    county = county_for(request.user, payload.county_code)
    job = enqueue_confirm_due(user=request.user, county=county)
    return Status(202, {"job_id": str(job.pk), "status": job.status})


@router.get("/conscript", response=list[ConscriptOut])
@paginated(default=100)
def list_conscript(request, filters: Query[YearFilter]):
    qs = selectors.conscript_benefits(request.user)
    if filters.year:
        qs = qs.filter(year=filters.year)
    return Listing(qs.order_by("-year", "region__path", "id"), conscript_out)


@router.post("/conscript/issue", response={200: ConscriptIssueOut, **ERRORS})
def issue_conscript(request, payload: ConscriptIssueIn):
    """Issue the year's conscript-family benefits of the county (at most once a year each)."""
    county = county_for(request.user, payload.county_code)
    if payload.year > timezone.localdate().year:
        raise ServiceError({"year": [_("年度不正确")]})
    return benefits.issue_conscript_benefits(user=request.user, county=county, year=payload.year)


@router.get("/guarantees", response=list[GuaranteeOut])
@paginated(default=100)
def list_guarantees(request, filters: Query[YearFilter]):
    qs = selectors.guarantees(request.user)
    if filters.year:
        qs = qs.filter(year=filters.year)
    return Listing(qs.order_by("-year", "-id"), guarantee_out)


@router.post("/recipients/{int:recipient_id}/guarantees", response={201: GuaranteeOut, **ERRORS})
def record_guarantee(request, recipient_id: Id, payload: GuaranteeIn):
    recipient = selectors.get_recipient(request.user, recipient_id)
    guarantee = benefits.record_guarantee(
        user=request.user, recipient=recipient, data=payload.dict()
    )
    return Status(201, guarantee_out(guarantee))


@router.get("/grants", response=list[SpecialCareGrantOut])
@paginated(default=100)
def list_grants(request):
    return Listing(selectors.grants(request.user).order_by("-id"), grant_out)


@router.post("/recipients/{int:recipient_id}/grants", response={201: SpecialCareGrantOut, **ERRORS})
def create_grant(request, recipient_id: Id, payload: GrantIn):
    recipient = selectors.get_recipient(request.user, recipient_id)
    grant = benefits.create_grant(
        user=request.user,
        recipient=recipient,
        kind=payload.kind,
        amount_fen=payload.amount_fen,
        reason=payload.reason,
    )
    return Status(201, grant_out(grant))
