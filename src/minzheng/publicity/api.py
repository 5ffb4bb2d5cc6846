"""JSON API of publicity submissions, mounted at /api/v1/publicity. A county reads its own
submissions, a unit-staff account its unit's, the city all; outside reads 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Date, choice
from minzheng.core.pagination import Listing, paginated

from . import selectors, services
from .models import Kind
from .models import Status as SubmissionStatus

router = Router(tags=["publicity"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class PublicitySubmissionOut(Schema):
    id: int
    title: str
    kind: str
    region_code: str
    unit_code: str
    source: str
    submitted_on: dt.date
    outlet: str
    adopted: bool
    adopted_on: dt.date | None
    link: str
    has_attachment: bool
    status: str
    reject_reason: str


def submission_out(s) -> dict:
    return {
        "id": s.pk,
        "title": s.title,
        "kind": s.kind,
        "region_code": s.region.code,
        "unit_code": s.unit.code if s.unit_id else "",
        "source": s.source_name,
        "submitted_on": s.submitted_on,
        "outlet": s.outlet,
        "adopted": s.adopted,
        "adopted_on": s.adopted_on,
        "link": s.link,
        "has_attachment": bool(s.attachment),
        "status": s.status,
        "reject_reason": s.reject_reason,
    }


class PublicitySubmissionFilter(Schema):
    status: choice(["", *SubmissionStatus.values]) = ""
    kind: choice(["", *Kind.values]) = ""
    year: int | None = Field(default=None, ge=2000, le=2100)


@router.get("/submissions", response=list[PublicitySubmissionOut])
@paginated(default=100)
def list_submissions(request, filters: Query[PublicitySubmissionFilter]):
    qs = selectors.submissions_for(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.year:
        qs = qs.filter(submitted_on__year=filters.year)
    return Listing(qs.order_by("-submitted_on", "-id"), submission_out)


class PublicitySubmissionIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    kind: choice(Kind.values)
    submitted_on: Date
    outlet: str = Field(default="", max_length=100)
    adopted: bool = False
    adopted_on: Date | None = None
    link: str = Field(default="", max_length=500, description="网址（或在页面上传附件）")


@router.post("/submissions", response={201: PublicitySubmissionOut, **ERRORS})
def submit(request, payload: PublicitySubmissionIn):
    item = services.submit(user=request.user, **payload.dict())
    return Status(201, submission_out(item))


@router.get(
    "/submissions/{int:submission_id}", response={200: PublicitySubmissionOut, 404: ErrorOut}
)
def get_submission(request, submission_id: int):
    return submission_out(selectors.get_submission(request.user, submission_id))


class PublicityReviewIn(Schema):
    count: bool
    reason: str = Field(default="", max_length=200)


@router.post(
    "/submissions/{int:submission_id}/review", response={200: PublicitySubmissionOut, **ERRORS}
)
def review(request, submission_id: int, payload: PublicityReviewIn):
    """The bureau office counts a submission (count=true) or rejects it with a reason."""
    item = selectors.get_submission(request.user, submission_id)
    item = services.review(
        user=request.user, submission=item, count=payload.count, reason=payload.reason
    )
    return submission_out(item)


class PublicityQuotaRowOut(Schema):
    name: str
    code: str
    quota: int
    months: list[int]
    complete_months: int
    average: Decimal | None
    met: bool | None


class PublicityQuotasOut(Schema):
    year: int
    counties: list[PublicityQuotaRowOut]
    units: list[PublicityQuotaRowOut]


class PublicityQuotaFilter(Schema):
    year: int | None = Field(default=None, ge=2000, le=2100)


def _row(r) -> dict:
    return {
        "name": r.name,
        "code": r.key,
        "quota": r.quota,
        "months": r.months,
        "complete_months": r.elapsed,
        "average": r.average,
        "met": r.met,
    }


@router.get("/quotas", response={200: PublicityQuotasOut, 422: ErrorOut})
def quotas(request, filters: Query[PublicityQuotaFilter]):
    """Counted information items per month of each county (quota 20) and unit (quota 10)."""
    today = timezone.localdate()
    year = filters.year or today.year
    counties, units = selectors.quota_table(request.user, year, today)
    return {
        "year": year,
        "counties": [_row(r) for r in counties],
        "units": [_row(r) for r in units],
    }
