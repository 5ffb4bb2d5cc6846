"""JSON API of the poverty registry and medical-insurance enrolments, mounted at /api/v1/linkage.

Import a file (the same checks as the page: every bad row reported with its row number; a second
import of the same file adds nothing) and read the records of the user's regions. Records outside
the user's regions read as 404. ID numbers are always masked."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from minzheng.core.apitypes import Id, choice
from minzheng.core.errors import ServiceError
from minzheng.core.money import yuan_str
from minzheng.core.pagination import Listing, paginated

from . import imports, selectors
from .models import InsuranceEnrolment, InsuranceScheme, PovertyRecord, PovertyStatus

router = Router(tags=["linkage"])
MAX_UPLOAD = 50 * 1024 * 1024


class LinkageImportErrorOut(Schema):
    row: int
    message: str


class LinkageImportOut(Schema):
    kind: str
    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[LinkageImportErrorOut]


class PovertyRecordOut(Schema):
    id: int
    person_id: int
    name: str
    id_masked: str
    year: int
    household_number: str
    status: str
    status_label: str
    region_code: str
    region_name: str


class InsuranceEnrolmentOut(Schema):
    id: int
    person_id: int
    name: str
    id_masked: str
    year: int
    scheme: str
    scheme_label: str
    premium: str
    subsidised: bool
    subsidy: str
    region_code: str
    region_name: str


class PovertyRegistryFilter(Schema):
    year: int | None = Field(default=None, ge=2000, le=2100, description="年度")
    status: choice(PovertyStatus.values) | None = Field(default=None, description="贫困状态")


class InsuranceFilter(Schema):
    year: int | None = Field(default=None, ge=2000, le=2100, description="参保年度")
    subsidised: bool | None = Field(default=None, description="是否民政资助参保")


def poverty_out(r: PovertyRecord) -> dict:
    return {
        "id": r.pk,
        "person_id": r.person_id,
        "name": r.person.name,
        "id_masked": r.person.id_masked,
        "year": r.year,
        "household_number": r.household_number,
        "status": r.status,
        "status_label": r.get_status_display(),
        "region_code": r.region.code,
        "region_name": r.region.name,
    }


def enrolment_out(r: InsuranceEnrolment) -> dict:
    return {
        "id": r.pk,
        "person_id": r.person_id,
        "name": r.person.name,
        "id_masked": r.person.id_masked,
        "year": r.year,
        "scheme": r.scheme,
        "scheme_label": InsuranceScheme(r.scheme).label,
        "premium": yuan_str(r.premium_fen),
        "subsidised": r.subsidised,
        "subsidy": yuan_str(r.subsidy_fen),
        "region_code": r.region.code,
        "region_name": r.region.name,
    }


def _read_upload(file: UploadedFile) -> bytes:
    if file.size is not None and file.size > MAX_UPLOAD:
        raise ServiceError({"file": [_("文件不能超过50MB")]})
    return file.read()


@router.post("/poverty/imports", response={200: LinkageImportOut})
def import_poverty(request, file: File[UploadedFile]):
    result = imports.import_file(
        user=request.user, kind="poverty", data=_read_upload(file), name=file.name or ""
    )
    return Status(200, result.as_dict())


@router.post("/insurance/imports", response={200: LinkageImportOut})
def import_insurance(request, file: File[UploadedFile]):
    result = imports.import_file(
        user=request.user, kind="insurance", data=_read_upload(file), name=file.name or ""
    )
    return Status(200, result.as_dict())


@router.get("/poverty", response=list[PovertyRecordOut])
@paginated(default=100)
def list_poverty(request, filters: Query[PovertyRegistryFilter]):
    qs = selectors.poverty_for(request.user, year=filters.year, status=filters.status or "")
    return Listing(qs.order_by("-year", "id"), poverty_out)


@router.get("/poverty/{int:record_id}", response=PovertyRecordOut)
def get_poverty(request, record_id: Id):
    return poverty_out(selectors.get_poverty_record(request.user, record_id))


@router.get("/insurance", response=list[InsuranceEnrolmentOut])
@paginated(default=100)
def list_insurance(request, filters: Query[InsuranceFilter]):
    qs = selectors.enrolments_for(request.user, year=filters.year, subsidised=filters.subsidised)
    return Listing(qs.order_by("-year", "id"), enrolment_out)


@router.get("/insurance/{int:record_id}", response=InsuranceEnrolmentOut)
def get_insurance(request, record_id: Id):
    return enrolment_out(selectors.get_enrolment(request.user, record_id))
