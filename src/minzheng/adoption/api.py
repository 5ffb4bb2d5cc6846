"""JSON API of adoption registration, mounted at /api/v1/adoption: the county bureau's
registrar files applications, publishes and closes notices and decides; checkers review; another
county's applications read 404. ID numbers are masked."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from minzheng.api.schemas import ErrorOut
from minzheng.core import sheets
from minzheng.core.apitypes import Id
from minzheng.core.errors import PermissionDeniedError
from minzheng.core.pagination import Listing, paginated

from . import selectors, services
from .permissions import may_see_statistics

router = Router(tags=["adoption registration"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class AdoptionIn(Schema):
    child_id_number: str = Field(max_length=32)
    child_name: str = Field(max_length=64)
    adopter_id_number: str = Field(max_length=32)
    adopter_name: str = Field(max_length=64)
    spouse_id_number: str = Field("", max_length=32)
    spouse_name: str = Field("", max_length=64)
    situation: str = Field(max_length=16)
    placing_party: str = Field(max_length=100, description="送养人")
    registry_code: str = Field("", max_length=12)


class AdoptionOut(Schema):
    id: int
    registry_code: str
    status: str
    status_label: str
    situation: str
    child_name: str
    child_id_masked: str
    adopter_name: str
    applied_on: dt.date
    notice_published_on: dt.date | None
    notice_ends_on: dt.date | None
    decision_due_on: dt.date | None
    decided_on: dt.date | None
    refusal_reason: str
    certificate_no: str


def adoption_out(a) -> dict:
    return {
        "id": a.pk,
        "registry_code": a.registry.code,
        "status": a.status,
        "status_label": str(a.get_status_display()),
        "situation": a.situation,
        "child_name": a.child.name,
        "child_id_masked": a.child.id_masked,
        "adopter_name": a.adopter.name,
        "applied_on": a.applied_on,
        "notice_published_on": a.notice_published_on,
        "notice_ends_on": a.notice_ends_on,
        "decision_due_on": a.decision_due_on,
        "decided_on": a.decided_on,
        "refusal_reason": a.refusal_reason,
        "certificate_no": a.certificate_no,
    }


class AdoptionQuery(Schema):
    status: str = Field("", max_length=16)


@router.get("/adoptions", response=list[AdoptionOut])
@paginated(default=50)
def list_adoptions(request, q: Query[AdoptionQuery]):
    qs = selectors.adoptions_for(request.user)
    if q.status:
        qs = qs.filter(status=q.status)
    return Listing(qs.order_by("-applied_on", "-id"), adoption_out)


@router.get("/adoptions/{int:pk}", response={200: AdoptionOut, 404: ErrorOut})
def get_adoption(request, pk: Id):
    return adoption_out(selectors.get_adoption(request.user, pk))


@router.post("/adoptions", response={201: AdoptionOut, **ERRORS})
def apply(request, payload: AdoptionIn):
    """收养登记申请 at the county bureau."""
    return Status(201, adoption_out(services.apply(user=request.user, **payload.dict())))


@router.post("/adoptions/{int:pk}/notice", response={200: AdoptionOut, **ERRORS})
def publish_notice(request, pk: Id):
    """Publish the 60-day notice seeking the birth parents."""
    a = selectors.get_adoption(request.user, pk)
    return adoption_out(services.publish_notice(user=request.user, adoption=a))


class AdoptionNoticeCloseIn(Schema):
    parents_claimed: bool = False


@router.post("/adoptions/{int:pk}/notice/close", response={200: AdoptionOut, **ERRORS})
def close_notice(request, pk: Id, payload: AdoptionNoticeCloseIn):
    a = selectors.get_adoption(request.user, pk)
    return adoption_out(services.close_notice(user=request.user, adoption=a, **payload.dict()))


class AdoptionDecisionIn(Schema):
    approve: bool
    reason: str = Field("", max_length=500)


@router.post("/adoptions/{int:pk}/decision", response={200: AdoptionOut, **ERRORS})
def decide(request, pk: Id, payload: AdoptionDecisionIn):
    """准予登记 (a numbered certificate) or 不予登记 (with the reason)."""
    a = selectors.get_adoption(request.user, pk)
    return adoption_out(services.decide(user=request.user, adoption=a, **payload.dict()))


class AdoptionCheckIn(Schema):
    passed: bool
    defect: str = Field("", max_length=200)


class AdoptionCheckOut(Schema):
    id: int
    passed: bool
    defect: str
    checked_on: dt.date


@router.post("/adoptions/{int:pk}/checks", response={201: AdoptionCheckOut, **ERRORS})
def check(request, pk: Id, payload: AdoptionCheckIn):
    a = selectors.get_adoption(request.user, pk)
    c = services.record_check(user=request.user, adoption=a, **payload.dict())
    return Status(
        201, {"id": c.pk, "passed": c.passed, "defect": c.defect, "checked_on": c.checked_on}
    )


@router.get("/adoptions/{int:pk}/certificate", response={200: None, 404: ErrorOut, 409: ErrorOut})
def certificate(request, pk: Id):
    a = selectors.get_adoption(request.user, pk)
    response = HttpResponse(services.certificate_pdf(a), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{a.certificate_no}.pdf"'
    return response


# ---------------------------------------------------------------- statistics (counts only)


class AdoptionStatsQuery(Schema):
    year: int = Field(ge=1950, le=2100)


class AdoptionMonthOut(Schema):
    month: int
    applications: int = Field(description="当月受理的收养登记申请")
    approved: int = Field(description="当月准予登记")
    refused: int = Field(description="当月不予登记")


class AdoptionCountyOut(Schema):
    code: str
    name: str
    applications: int
    approved: int
    refused: int


class AdoptionTotalsOut(Schema):
    applications: int
    approved: int
    refused: int


class AdoptionStatsOut(Schema):
    year: int
    totals: AdoptionTotalsOut
    months: list[AdoptionMonthOut]
    counties: list[AdoptionCountyOut]


def statistics_of(user, year: int) -> dict:
    if not may_see_statistics(user):
        raise PermissionDeniedError(_("当前账号无权查看收养登记统计"))
    return {"year": year, **selectors.statistics(user, year)}


@router.get("/statistics", response={200: AdoptionStatsOut, 403: ErrorOut, 422: ErrorOut})
def statistics(request, q: Query[AdoptionStatsQuery]):
    """Applications received and decisions taken in the year, by month and by county bureau."""
    return statistics_of(request.user, q.year)


@router.get("/statistics.xlsx", response={200: None, 403: ErrorOut, 422: ErrorOut})
def statistics_xlsx(request, q: Query[AdoptionStatsQuery]):
    return statistics_response(statistics_of(request.user, q.year))


def statistics_response(stats: dict) -> HttpResponse:
    response = HttpResponse(
        statistics_workbook(stats),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="adoption-{stats["year"]}.xlsx"'
    return response


def statistics_workbook(stats: dict) -> bytes:
    """Two sheets, by month and by county bureau, values only."""
    heads = ["受理申请（件）", "准予登记（件）", "不予登记（件）"]
    wb = sheets.workbook()
    ws = wb.active
    ws.title = "按月"
    sheets.append(ws, ["月份", *heads])
    for row in stats["months"]:
        sheets.append(
            ws,
            [f"{stats['year']}-{row['month']:02d}", *(row[c] for c in selectors.STAT_COLUMNS)],
        )
    sheets.append(ws, ["合计", *(stats["totals"][c] for c in selectors.STAT_COLUMNS)])
    ws2 = wb.create_sheet("按县（市、区）")
    sheets.append(ws2, ["区划代码", "县（市、区）", *heads])
    for row in stats["counties"]:
        sheets.append(ws2, [row["code"], row["name"], *(row[c] for c in selectors.STAT_COLUMNS)])
    return sheets.xlsx_bytes(wb)
