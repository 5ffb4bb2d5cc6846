"""JSON API of the place-name census, mounted at /api/v1/placenames: records (scoped: another
county's read 404), the pinyin check, review steps, import (a job), GeoJSON export, boundary
inspections, self-checks and the county databases' state."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Date, Id, choice
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.pagination import Listing, paginated
from minzheng.regions.models import Region

from . import exchange, jobs, permissions, rules, selectors, services
from .models import Conclusion, PlaceClass, SubClass
from .models import Status as RecordStatus

router = Router(tags=["place names"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class PlaceNameIn(Schema):
    standard_name: str = Field(max_length=100, description="标准名称")
    place_class: choice(PlaceClass.values) = Field(description="类别代码（两位）")
    subclass: choice(SubClass.values) = Field(description="小类代码（四位）")
    region_code: str = Field(max_length=12, description="所在行政区划代码（县、乡镇或村）")
    romanised: str = Field(default="", max_length=200, description="罗马字母拼写；空则按规则生成")
    aliases: str = Field(default="", max_length=200)
    short_name: str = Field(default="", max_length=50)
    code: str = Field(default="", max_length=32, description="地名代码")
    lon: Decimal | None = Field(default=None, description="经度（CGCS2000，十进制度）")
    lat: Decimal | None = Field(default=None, description="纬度（CGCS2000，十进制度）")
    meaning: str = Field(default="", max_length=5000)
    history: str = Field(default="", max_length=5000)
    description: str = Field(default="", max_length=5000)


class PlaceNameOut(Schema):
    id: int
    code: str
    standard_name: str
    aliases: str
    short_name: str
    romanised: str
    suggested: str
    spelling_ok: bool
    pronunciation: str
    place_class: str
    place_class_label: str
    subclass: str
    subclass_label: str
    region_code: str
    region_name: str
    county_code: str
    lon: Decimal | None
    lat: Decimal | None
    meaning: str
    history: str
    description: str
    registrar_name: str
    registered_on: dt.date
    status: str
    status_label: str
    returns: int
    review_note: str
    approved_on: dt.date | None
    published_on: dt.date | None


def placename_out(p) -> dict:
    return {
        "id": p.pk,
        "code": p.code,
        "standard_name": p.standard_name,
        "aliases": p.aliases,
        "short_name": p.short_name,
        "romanised": p.romanised,
        "suggested": p.suggested,
        "spelling_ok": p.spelling_ok,
        "pronunciation": p.pronunciation,
        "place_class": p.place_class,
        "place_class_label": p.get_place_class_display(),
        "subclass": p.subclass,
        "subclass_label": p.get_subclass_display(),
        "region_code": p.region.code,
        "region_name": p.region.name,
        "county_code": p.county.code,
        "lon": p.lon,
        "lat": p.lat,
        "meaning": p.meaning,
        "history": p.history,
        "description": p.description,
        "registrar_name": p.registrar_name,
        "registered_on": p.registered_on,
        "status": p.status,
        "status_label": p.get_status_display(),
        "returns": p.returns,
        "review_note": p.review_note,
        "approved_on": p.approved_on,
        "published_on": p.published_on,
    }


class PlaceNameFilter(Schema):
    q: str = Field(default="", max_length=50, description="名称、别名或拼音")
    status: choice(RecordStatus.values) | None = None
    place_class: choice(PlaceClass.values) | None = None
    county: str = Field(default="", max_length=12)


def _region(code: str) -> Region | None:
    return Region.objects.filter(code=code).first()


def _fields(payload: PlaceNameIn) -> dict:
    data = payload.dict()
    data.pop("region_code")
    return data


@router.get("/records", response=list[PlaceNameOut])
@paginated(default=100)
def list_records(request, filters: Query[PlaceNameFilter]):
    qs = selectors.placenames_for(
        request.user,
        status=filters.status or "",
        place_class=filters.place_class or "",
        county=filters.county,
        query=filters.q,
    )
    return Listing(qs.order_by("county__code", "place_class", "standard_name", "id"), placename_out)


@router.get("/records/{int:record_id}", response={200: PlaceNameOut, 404: ErrorOut})
def get_record(request, record_id: Id):
    return placename_out(selectors.get_placename(request.user, record_id))


@router.post("/records", response={201: PlaceNameOut, **ERRORS})
def create_record(request, payload: PlaceNameIn):
    row = services.create_placename(
        user=request.user, region=_region(payload.region_code), **_fields(payload)
    )
    return Status(201, placename_out(row))


@router.put("/records/{int:record_id}", response={200: PlaceNameOut, **ERRORS})
def update_record(request, record_id: Id, payload: PlaceNameIn):
    row = selectors.get_placename(request.user, record_id)
    return placename_out(
        services.update_placename(
            user=request.user,
            placename=row,
            region=_region(payload.region_code),
            **_fields(payload),
        )
    )


class PlaceNameReviewIn(Schema):
    action: choice(["check", "approve", "publish", "return", "resubmit"]) = Field(
        description="check 校核 / approve 审定 / publish 发布 / return 退回修改 / resubmit 重新提交"
    )
    note: str = Field(default="", max_length=500, description="审核意见（退回时必填）")


@router.post("/records/{int:record_id}/review", response={200: PlaceNameOut, **ERRORS})
def review(request, record_id: Id, payload: PlaceNameReviewIn):
    row = selectors.get_placename(request.user, record_id)
    return placename_out(
        services.transition(
            user=request.user, placename=row, action=payload.action, note=payload.note
        )
    )


class PlaceNameStepOut(Schema):
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor_name: str
    at: dt.datetime
    note: str


@router.get(
    "/records/{int:record_id}/history", response={200: list[PlaceNameStepOut], 404: ErrorOut}
)
def history(request, record_id: Id):
    row = selectors.get_placename(request.user, record_id)
    return [
        {
            "action": s.action,
            "action_label": str(s.action_label),
            "from_status": s.from_status,
            "to_status": s.to_status,
            "actor_name": s.actor_name,
            "at": s.at,
            "note": s.note,
        }
        for s in row.steps.all()
    ]


class PinyinCheckOut(Schema):
    suggested: str
    pronunciation: str
    entered: str
    ok: bool
    problems: list[str]


@router.get("/pinyin", response={200: PinyinCheckOut, 403: ErrorOut})
def pinyin(
    request,
    name: str = Query(..., max_length=100),
    romanised: str = Query("", max_length=200),
    subclass: str = Query("", max_length=4),
):
    """The rule-conforming spelling of a name and what is wrong with an entered one."""
    if not permissions.may_read(request.user):
        raise PermissionDeniedError(_("无权使用"))
    check = rules.check_spelling(name, romanised, subclass)
    return {
        "suggested": check.suggested,
        "pronunciation": check.pronunciation,
        "entered": check.entered,
        "ok": check.ok,
        "problems": check.problems,
    }


@router.get("/geojson", response={200: None})
def geojson(request, filters: Query[PlaceNameFilter]):
    """The records in scope with coordinates as a GeoJSON FeatureCollection (RFC 7946)."""
    qs = selectors.placenames_for(
        request.user,
        status=filters.status or "",
        place_class=filters.place_class or "",
        county=filters.county,
        query=filters.q,
    ).order_by("id")
    return HttpResponse(exchange.geojson_bytes(qs), content_type="application/geo+json")


class PlaceNameImportOut(Schema):
    job_id: str
    status_url: str


@router.post("/imports", response={202: PlaceNameImportOut, 403: ErrorOut, 422: ErrorOut})
def import_records(request, file: File[UploadedFile]):
    """Upload an exchange file (CSV or .xlsx); it is imported by a job (GET /api/v1/jobs/{id})."""
    if not permissions.may_enter(request.user):
        raise PermissionDeniedError(_("您没有导入地名的权限"))
    if not file.size:
        raise ServiceError({"file": [_("文件为空")]})
    job = jobs.enqueue_import(user=request.user, uploaded=file, name=file.name or "upload")
    return Status(202, {"job_id": str(job.pk), "status_url": f"/api/v1/jobs/{job.pk}"})


class BoundaryInspectionIn(Schema):
    region_a: str = Field(max_length=12, description="本方县级区划代码")
    region_b: str = Field(max_length=12, description="毗邻县级区划代码")
    boundary_name: str = Field(default="", max_length=100)
    inspected_on: Date
    participants: str = Field(max_length=2000)
    markers_checked: int = Field(ge=0)
    markers_damaged: int = Field(default=0, ge=0)
    problems: str = Field(default="", max_length=2000)
    conclusion: choice(Conclusion.values)


class BoundaryInspectionOut(Schema):
    id: int
    boundary_name: str
    region_a: str
    region_b: str
    year: int
    inspected_on: dt.date
    participants: str
    markers_checked: int
    markers_damaged: int
    problems: str
    conclusion: str
    conclusion_label: str


def inspection_out(r) -> dict:
    return {
        "id": r.pk,
        "boundary_name": r.boundary_name,
        "region_a": r.region_a.code,
        "region_b": r.region_b.code,
        "year": r.year,
        "inspected_on": r.inspected_on,
        "participants": r.participants,
        "markers_checked": r.markers_checked,
        "markers_damaged": r.markers_damaged,
        "problems": r.problems,
        "conclusion": r.conclusion,
        "conclusion_label": r.get_conclusion_display(),
    }


@router.get("/inspections", response=list[BoundaryInspectionOut])
@paginated(default=100)
def list_inspections(request):
    return Listing(selectors.inspections_for(request.user), inspection_out)


@router.post("/inspections", response={201: BoundaryInspectionOut, **ERRORS})
def create_inspection(request, payload: BoundaryInspectionIn):
    data = payload.dict()
    row = services.record_inspection(
        user=request.user,
        region_a=_region(data.pop("region_a")),
        region_b=_region(data.pop("region_b")),
        **data,
    )
    return Status(201, inspection_out(row))


class SelfCheckIn(Schema):
    county: str = Field(max_length=12, description="县级区划代码")
    checked_on: Date
    records_checked: int = Field(ge=0)
    records_faulty: int = Field(default=0, ge=0)
    problems: str = Field(default="", max_length=2000)
    conclusion: choice(Conclusion.values)


class SelfCheckOut(Schema):
    id: int
    county: str
    year: int
    checked_on: dt.date
    records_checked: int
    records_faulty: int
    problems: str
    conclusion: str


def selfcheck_out(r) -> dict:
    return {
        "id": r.pk,
        "county": r.county.code,
        "year": r.year,
        "checked_on": r.checked_on,
        "records_checked": r.records_checked,
        "records_faulty": r.records_faulty,
        "problems": r.problems,
        "conclusion": r.conclusion,
    }


@router.get("/selfchecks", response=list[SelfCheckOut])
@paginated(default=100)
def list_selfchecks(request):
    return Listing(selectors.selfchecks_for(request.user), selfcheck_out)


@router.post("/selfchecks", response={201: SelfCheckOut, **ERRORS})
def create_selfcheck(request, payload: SelfCheckIn):
    data = payload.dict()
    row = services.record_selfcheck(user=request.user, county=_region(data.pop("county")), **data)
    return Status(201, selfcheck_out(row))


class CensusDatabaseOut(Schema):
    county_code: str
    county_name: str
    records: int
    in_database: int
    classes_done: int
    classes_applicable: int
    missing: list[str]
    self_check_done: bool
    built: bool


@router.get("/databases", response={200: list[CensusDatabaseOut], 403: ErrorOut})
def databases(request, on: Date | None = None):
    """Each county's census database: records, classes and whether it is built (§13.4)."""
    if not permissions.may_read(request.user):
        raise PermissionDeniedError(_("无权查看"))
    states = selectors.database_state(
        on or timezone.localdate(), selectors.counties_for(request.user)
    )
    return [
        {
            "county_code": s["county"].code,
            "county_name": s["county"].name,
            **{
                k: s[k]
                for k in (
                    "records",
                    "in_database",
                    "classes_done",
                    "classes_applicable",
                    "self_check_done",
                    "built",
                )
            },
            "missing": [str(m) for m in s["missing"]],
        }
        for s in states
    ]
