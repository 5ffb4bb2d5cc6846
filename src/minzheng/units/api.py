"""JSON API of units, mounted at /api/v1/units. A unit's staff read and report for their own
unit (any other unit reads 404); the leader and the city sections read every unit of their
region; administrators and city sections add, rename and deactivate units and assign staff.
A unit's reports are approved through /api/v1/targets/reports/{id}/review."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Date, Id
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError
from minzheng.regions.models import Region
from minzheng.targets import permissions as target_permissions
from minzheng.targets import services as target_services
from minzheng.targets.api import ReportFiguresIn, ReportRecordOut, report_fields
from minzheng.targets.models import ReportedValue

from . import selectors, services

router = Router(tags=["units"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    region: str
    order: int
    active: bool


def unit_out(u) -> dict:
    return {
        "code": u.code,
        "name": u.name,
        "kind": u.kind,
        "region": u.region.code,
        "order": u.order,
        "active": u.active,
    }


@router.get("", response=list[UnitOut])
def list_units(request):
    """The units the caller may read (a unit's staff: their own unit only)."""
    return [unit_out(u) for u in selectors.units_for(request.user).order_by("order", "code")]


class UnitCreateIn(Schema):
    code: str
    name: str
    kind: str
    region: str = ""
    order: int = 0


@router.post("", response={201: UnitOut, **ERRORS})
def create_unit(request, payload: UnitCreateIn):
    user = request.user
    if payload.region:
        region = Region.objects.filter(code=payload.region).first()
        if region is None:
            raise NotFoundOrOutOfScope()
    else:
        region = user.region or Region.objects.filter(level=Region.Level.CITY).first()
    unit = services.create_unit(
        user=user,
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        region=region,
        order=payload.order,
    )
    return Status(201, unit_out(unit))


@router.get("/{code}", response={200: UnitOut, 404: ErrorOut})
def get_unit(request, code: str):
    return unit_out(selectors.get_unit(request.user, code))


class UnitUpdateIn(Schema):
    name: str | None = None
    kind: str | None = None
    order: int | None = None
    active: bool | None = None


@router.patch("/{code}", response={200: UnitOut, **ERRORS})
def update_unit(request, code: str, payload: UnitUpdateIn):
    """Rename, re-class, reorder, deactivate (active: false) or reactivate a unit."""
    unit = selectors.get_unit(request.user, code)
    unit = services.update_unit(
        user=request.user,
        unit=unit,
        name=payload.name,
        kind=payload.kind,
        order=payload.order,
        active=payload.active,
    )
    return unit_out(unit)


class UnitStaffIn(Schema):
    username: str
    remove: bool = False


class UnitStaffOut(Schema):
    username: str
    name: str
    role: str
    unit: str | None


@router.get("/{code}/staff", response={200: list[UnitStaffOut], **ERRORS})
def list_staff(request, code: str):
    unit = selectors.get_unit(request.user, code)
    return [
        {"username": a.username, "name": a.get_full_name(), "role": a.role, "unit": unit.code}
        for a in selectors.staff_of(unit)
    ]


@router.post("/{code}/staff", response={200: UnitStaffOut, **ERRORS})
def assign_staff(request, code: str, payload: UnitStaffIn):
    """Put an account of the unit's region in the unit, or take it out (`remove`). Audited."""
    unit = selectors.get_unit(request.user, code)
    if not target_permissions.may_manage_units(request.user, unit.region):
        raise PermissionDeniedError(_("当前账号无权管理单位"))
    account = selectors.account_for_assignment(request.user, payload.username, unit)
    if payload.remove and account.unit_id != unit.pk:
        raise NotFoundOrOutOfScope()
    account = services.assign_staff(
        user=request.user,
        account=account,
        unit=None if payload.remove else unit,
        region=unit.region,
    )
    return {
        "username": account.username,
        "name": account.get_full_name(),
        "role": account.role,
        "unit": account.unit.code if account.unit_id else None,
    }


class UnitTargetOut(Schema):
    id: int
    code: str
    title: str
    indicator: str
    comparison: str
    value: Decimal
    unit_of_measure: str
    deadline: dt.date
    weight: Decimal
    status: str
    current: Decimal | None
    attainment: Decimal | None
    report_overdue: bool


class UnitScorecardOut(Schema):
    unit: UnitOut
    plan_id: int | None
    on_date: dt.date | None
    score: Decimal | None
    rank: int | None
    rank_of: int | None
    targets: list[UnitTargetOut]
    pending_reports: int
    returned_reports: int


class UnitScorecardFilter(Schema):
    plan: int | None = None
    date: Date | None = None


@router.get("/{code}/scorecard", response={200: UnitScorecardOut, 404: ErrorOut})
def scorecard(request, code: str, filters: Query[UnitScorecardFilter]):
    """A unit's score, targets and their evaluations on a snapshot date (default: the latest)."""
    user = request.user
    unit = selectors.get_unit(user, code)
    plan = selectors.default_plan(user, unit, filters.plan)
    card = selectors.scorecard(user, unit, plan, filters.date) if plan else None
    score = card.score if card else None
    return {
        "unit": unit_out(unit),
        "plan_id": plan.pk if plan else None,
        "on_date": card.on_date if card else None,
        "score": score.score if score and score.scored else None,
        "rank": score.rank if score and score.rank else None,
        "rank_of": score.rank_of if score else None,
        "targets": [
            {
                "id": r.target.pk,
                "code": r.target.code,
                "title": r.target.title,
                "indicator": r.target.indicator,
                "comparison": r.target.comparison,
                "value": r.target.value,
                "unit_of_measure": r.target.unit,
                "deadline": r.target.deadline,
                "weight": r.target.weight,
                "status": r.status,
                "current": r.evaluation.value if r.evaluation else None,
                "attainment": r.evaluation.attainment if r.evaluation else None,
                "report_overdue": bool(r.evaluation and r.evaluation.report_overdue),
            }
            for r in (card.rows if card else [])
        ],
        "pending_reports": sum(1 for t in card.tasks if t.pending) if card else 0,
        "returned_reports": len(card.returned) if card else 0,
    }


class UnitReportOut(ReportRecordOut):
    unit: str


def report_out(r: ReportedValue) -> dict:
    return {**report_fields(r), "unit": r.org_unit.code}


@router.get("/{code}/reports", response={200: list[UnitReportOut], 404: ErrorOut})
def list_reports(request, code: str):
    unit = selectors.get_unit(request.user, code)
    return [
        report_out(r) for r in selectors.reports_of(request.user, unit).order_by("-as_of", "-id")
    ]


@router.get("/{code}/reports/{int:report_id}", response={200: UnitReportOut, 404: ErrorOut})
def get_report(request, code: str, report_id: Id):
    unit = selectors.get_unit(request.user, code)
    return report_out(selectors.get_unit_report(request.user, unit, report_id))


@router.post("/{code}/reports", response={201: UnitReportOut, **ERRORS})
def submit_report(request, code: str, payload: ReportFiguresIn):
    """The unit's staff report a figure for the unit's targets; evidence goes to
    POST /units/{code}/reports/{id}/evidence (approval needs at least one file)."""
    unit = selectors.get_unit(request.user, code)
    report = target_services.submit_report(
        user=request.user,
        indicator=payload.indicator,
        region=unit.region,
        unit=unit,
        as_of=payload.as_of,
        value=payload.value,
        numerator=payload.numerator,
        denominator=payload.denominator,
        note=payload.note,
    )
    return Status(201, report_out(selectors.get_unit_report(request.user, unit, report.pk)))


@router.post("/{code}/reports/{int:report_id}/evidence", response={201: UnitReportOut, **ERRORS})
def upload_evidence(request, code: str, report_id: Id, files: list[UploadedFile] = File(...)):
    unit = selectors.get_unit(request.user, code)
    report = selectors.get_unit_report(request.user, unit, report_id)
    target_services.add_evidence(user=request.user, report=report, files=files)
    return Status(201, report_out(selectors.get_unit_report(request.user, unit, report.pk)))
