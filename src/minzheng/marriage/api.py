"""JSON API of marriage registration, mounted at /api/v1/marriage. The registrar works its
county's records (another county's read 404); checkers review them; a resident books and reads
their own appointments; statistics carry counts only. ID numbers are always masked here."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from minzheng.api.schemas import ErrorOut
from minzheng.core import sheets
from minzheng.core.apitypes import Date, Id
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.pagination import Listing, paginated
from minzheng.regions.models import Region

from . import selectors, services
from .models import Certificate
from .permissions import may_see_statistics

router = Router(tags=["marriage registration"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class MarriageAppointmentIn(Schema):
    registry_code: str = Field(max_length=12, description="县（市、区）代码")
    kind: str = Field(max_length=16, description="marriage 结婚 / divorce 离婚")
    day: Date
    slot: str = Field(max_length=16)
    partner_id_number: str = Field(max_length=32, description="另一方身份证号码")
    partner_name: str = Field(max_length=64)
    phone: str = Field("", max_length=20)


class MarriageAppointmentOut(Schema):
    id: int
    registry_code: str
    registry_name: str
    kind: str
    kind_label: str
    day: dt.date
    slot: str
    person_name: str
    person_id_masked: str
    partner_name: str
    status: str
    status_label: str


def appointment_out(a) -> dict:
    return {
        "id": a.pk,
        "registry_code": a.registry.code,
        "registry_name": a.registry.name,
        "kind": a.kind,
        "kind_label": str(a.get_kind_display()),
        "day": a.day,
        "slot": a.slot,
        "person_name": a.person.name,
        "person_id_masked": a.person.id_masked,
        "partner_name": a.partner_name,
        "status": a.status,
        "status_label": str(a.get_status_display()),
    }


class MarriageSlotOut(Schema):
    slot: str
    places: int


class MarriageSlotQuery(Schema):
    registry_code: str = Field(max_length=12)
    day: Date


class MarriageDayQuery(Schema):
    day: Date | None = None


@router.get("/slots", response={200: list[MarriageSlotOut], 422: ErrorOut})
def slots(request, q: Query[MarriageSlotQuery]):
    registry = Region.objects.filter(code=q.registry_code, level="county").first()
    if registry is None:
        raise ServiceError({"registry_code": [_("请选择县（市、区）婚姻登记处")]})
    return [{"slot": s, "places": n} for s, n in selectors.free_slots(registry, q.day)]


@router.get("/appointments", response=list[MarriageAppointmentOut])
@paginated(default=100)
def list_appointments(request, q: Query[MarriageDayQuery]):
    qs = selectors.appointments_for(request.user)
    if q.day:
        qs = qs.filter(day=q.day)
    return Listing(qs.order_by("-day", "slot", "id"), appointment_out)


@router.post("/appointments", response={201: MarriageAppointmentOut, **ERRORS})
def book(request, payload: MarriageAppointmentIn):
    """A resident books a slot for themself and their partner."""
    a = services.book_appointment(user=request.user, **payload.dict())
    return Status(201, appointment_out(a))


@router.post("/appointments/{int:pk}/cancel", response={200: MarriageAppointmentOut, **ERRORS})
def cancel(request, pk: Id):
    appointment = selectors.get_appointment(request.user, pk)
    return appointment_out(services.cancel_appointment(user=request.user, appointment=appointment))


# ---------------------------------------------------------------- marriages


class MarriageIn(Schema):
    man_id_number: str = Field(max_length=32)
    man_name: str = Field(max_length=64)
    woman_id_number: str = Field(max_length=32)
    woman_name: str = Field(max_length=64)
    free_will_man: bool = Field(description="男方当面声明自愿结婚")
    free_will_woman: bool = Field(description="女方当面声明自愿结婚")
    registry_code: str = Field("", max_length=12)
    appointment_id: Id | None = None


class MarriageCertificateOut(Schema):
    id: int
    number: str
    kind: str
    kind_label: str
    issued_on: dt.date
    replaces: str
    reason: str


class MarriageOut(Schema):
    id: int
    registry_code: str
    registry_name: str
    certificate_no: str
    registered_on: dt.date
    status: str
    status_label: str
    ended_on: dt.date | None
    man_name: str
    man_id_masked: str
    woman_name: str
    woman_id_masked: str
    certificates: list[MarriageCertificateOut]


def certificate_out(c: Certificate) -> dict:
    return {
        "id": c.pk,
        "number": c.number,
        "kind": c.kind,
        "kind_label": str(c.get_kind_display()),
        "issued_on": c.issued_on,
        "replaces": c.replaces.number if c.replaces_id else "",
        "reason": c.reason,
    }


def marriage_out(m) -> dict:
    return {
        "id": m.pk,
        "registry_code": m.registry.code,
        "registry_name": m.registry.name,
        "certificate_no": m.certificate_no,
        "registered_on": m.registered_on,
        "status": m.status,
        "status_label": str(m.get_status_display()),
        "ended_on": m.ended_on,
        "man_name": m.man.name,
        "man_id_masked": m.man.id_masked,
        "woman_name": m.woman.name,
        "woman_id_masked": m.woman.id_masked,
        "certificates": [
            certificate_out(c) for c in m.certificates.select_related("replaces").order_by("id")
        ],
    }


@router.get("/marriages", response=list[MarriageOut])
@paginated(default=50)
def list_marriages(request):
    return Listing(
        selectors.marriages_for(request.user).order_by("-registered_on", "-id"), marriage_out
    )


@router.get("/marriages/{int:pk}", response={200: MarriageOut, 404: ErrorOut})
def get_marriage(request, pk: Id):
    return marriage_out(selectors.get_marriage(request.user, pk))


@router.post("/marriages", response={201: MarriageOut, **ERRORS})
def register(request, payload: MarriageIn):
    """结婚登记 at the window: both parties in person; each legal bar is a 422 on its field."""
    data = payload.dict()
    appointment_id = data.pop("appointment_id")
    appointment = (
        selectors.get_appointment(request.user, appointment_id) if appointment_id else None
    )
    m = services.register_marriage(user=request.user, appointment=appointment, **data)
    return Status(201, marriage_out(m))


class MarriageReissueIn(Schema):
    reason: str = Field(max_length=200)


@router.post("/marriages/{int:pk}/reissue", response={201: MarriageCertificateOut, **ERRORS})
def reissue(request, pk: Id, payload: MarriageReissueIn):
    """补领: a new certificate with a new number, naming the one it replaces."""
    marriage = selectors.get_marriage(request.user, pk)
    c = services.reissue_certificate(user=request.user, marriage=marriage, reason=payload.reason)
    return Status(201, certificate_out(c))


@router.get("/certificates/{int:pk}/pdf", response={200: None, 404: ErrorOut})
def certificate_pdf(request, pk: Id):
    c = Certificate.objects.filter(pk=pk).select_related("marriage").first()
    if c is None or not selectors.marriages_for(request.user).filter(pk=c.marriage_id).exists():
        raise NotFoundOrOutOfScope()
    response = HttpResponse(services.certificate_pdf(c), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{c.number}.pdf"'
    return response


class MarriageAnnulmentIn(Schema):
    kind: str = Field(max_length=16, description="void 宣告无效 / revoked 撤销")
    ground: str = Field(max_length=24)
    court: str = Field(max_length=100)
    ruling_no: str = Field(max_length=64)
    ruling_date: Date


@router.post("/marriages/{int:pk}/annulment", response={201: MarriageOut, **ERRORS})
def annul(request, pk: Id, payload: MarriageAnnulmentIn):
    marriage = selectors.get_marriage(request.user, pk)
    services.record_annulment(user=request.user, marriage=marriage, **payload.dict())
    return Status(201, marriage_out(selectors.get_marriage(request.user, pk)))


class MarriageArchiveOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str = Field(description="上传时的文件名")
    size: int
    content_type: str
    uploaded_at: dt.datetime


def archive_out(a) -> dict:
    return {
        "id": a.pk,
        "kind": a.kind,
        "kind_label": str(a.get_kind_display()),
        "name": a.original_name,
        "size": a.size,
        "content_type": a.content_type,
        "uploaded_at": a.uploaded_at,
    }


def archive_response(content: bytes, archive) -> HttpResponse:
    """A scanned document as served: its own content type, opened in the browser, under the
    file name it was uploaded with; never cached."""
    response = HttpResponse(content, content_type=archive.content_type)
    response["Content-Disposition"] = content_disposition_header(False, archive.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/marriages/{int:pk}/archive", response={200: list[MarriageArchiveOut], 404: ErrorOut})
def archive_list(request, pk: Id):
    """The scanned documents of a registration's electronic archive."""
    marriage = selectors.get_marriage(request.user, pk)
    return [archive_out(a) for a in marriage.archive.all()]


@router.get("/marriages/{int:pk}/archive/{int:archive_id}", response={200: None, 404: ErrorOut})
def archive_file(request, pk: Id, archive_id: Id):
    """One scanned document, decrypted, under its original file name; the reading is audited."""
    archive = selectors.get_archive(request.user, pk, archive_id)
    return archive_response(services.open_archive(user=request.user, archive=archive), archive)


@router.post("/marriages/{int:pk}/archive", response={201: MarriageArchiveOut, **ERRORS})
def upload(request, pk: Id, kind: Form[str], file: File[UploadedFile]):
    """One scanned document (PDF, JPEG or PNG, at most 10 MB) of the registration's archive."""
    marriage = selectors.get_marriage(request.user, pk)
    a = services.upload_archive(user=request.user, marriage=marriage, kind=kind, uploaded_file=file)
    return Status(201, archive_out(a))


class MarriageCheckIn(Schema):
    passed: bool
    defect: str = Field("", max_length=200)


class MarriageCheckOut(Schema):
    id: int
    passed: bool
    defect: str
    checked_on: dt.date


@router.post("/marriages/{int:pk}/checks", response={201: MarriageCheckOut, **ERRORS})
def check(request, pk: Id, payload: MarriageCheckIn):
    """档案质量检查 by a checker: passed, or failed naming the defect."""
    marriage = selectors.get_marriage(request.user, pk)
    c = services.record_check(user=request.user, marriage=marriage, **payload.dict())
    return Status(
        201, {"id": c.pk, "passed": c.passed, "defect": c.defect, "checked_on": c.checked_on}
    )


# ---------------------------------------------------------------- divorce


class DivorceIn(Schema):
    children_agreement: str = Field(max_length=2000)
    property_agreement: str = Field(max_length=2000)
    debts_agreement: str = Field(max_length=2000)
    free_will_man: bool
    free_will_woman: bool


class DivorceOut(Schema):
    id: int
    marriage_id: int
    status: str
    status_label: str
    applied_on: dt.date
    cooling_ends_on: dt.date
    confirm_by: dt.date
    registered_on: dt.date | None
    certificate_no: str


def divorce_out(d) -> dict:
    return {
        "id": d.pk,
        "marriage_id": d.marriage_id,
        "status": d.status,
        "status_label": str(d.get_status_display()),
        "applied_on": d.applied_on,
        "cooling_ends_on": d.cooling_ends_on,
        "confirm_by": d.confirm_by,
        "registered_on": d.registered_on,
        "certificate_no": d.certificate_no,
    }


class DivorceQuery(Schema):
    due: bool = Field(False, description="只看冷静期届满、待双方确认的申请")


@router.get("/divorces", response=list[DivorceOut])
@paginated(default=100)
def list_divorces(request, q: Query[DivorceQuery]):
    if q.due:
        qs = selectors.due_for_confirmation(request.user, timezone.localdate())
    else:
        qs = selectors.divorces_for(request.user)
    return Listing(qs.order_by("-applied_on", "-id"), divorce_out)


@router.post("/marriages/{int:pk}/divorce", response={201: DivorceOut, **ERRORS})
def apply_divorce(request, pk: Id, payload: DivorceIn):
    """协议离婚申请: the 30-day cooling-off starts the day after."""
    marriage = selectors.get_marriage(request.user, pk)
    d = services.apply_divorce(user=request.user, marriage=marriage, **payload.dict())
    return Status(201, divorce_out(d))


class DivorceWithdrawIn(Schema):
    party_name: str = Field(max_length=64)


@router.post("/divorces/{int:pk}/withdraw", response={200: DivorceOut, **ERRORS})
def withdraw(request, pk: Id, payload: DivorceWithdrawIn):
    d = selectors.get_divorce(request.user, pk)
    return divorce_out(services.withdraw_divorce(user=request.user, divorce=d, **payload.dict()))


class DivorceConfirmIn(Schema):
    confirmed_man: bool
    confirmed_woman: bool


@router.post("/divorces/{int:pk}/confirm", response={200: DivorceOut, **ERRORS})
def confirm(request, pk: Id, payload: DivorceConfirmIn):
    """Both confirm in person after the cooling-off: the divorce is registered."""
    d = selectors.get_divorce(request.user, pk)
    return divorce_out(services.confirm_divorce(user=request.user, divorce=d, **payload.dict()))


# ---------------------------------------------------------------- statistics


class MarriageStatsQuery(Schema):
    year: int = Field(ge=1950, le=2100)


class MarriageMonthOut(Schema):
    month: int
    marriages: int
    divorces: int


class MarriageCountyOut(Schema):
    code: str
    name: str
    marriages: int
    divorces: int


class MarriageStatsOut(Schema):
    year: int
    total_marriages: int
    total_divorces: int
    months: list[MarriageMonthOut]
    counties: list[MarriageCountyOut]


def _stats(request, year: int) -> dict:
    if not may_see_statistics(request.user):
        raise PermissionDeniedError(_("当前账号无权查看婚姻登记统计"))
    s = selectors.statistics(request.user, year)
    return {
        "year": year,
        "total_marriages": s["total_marriages"],
        "total_divorces": s["total_divorces"],
        "months": [{"month": m, "marriages": a, "divorces": b} for m, a, b in s["months"]],
        "counties": [
            {"code": c, "name": n, "marriages": a, "divorces": b} for c, n, a, b in s["counties"]
        ],
    }


@router.get("/statistics", response={200: MarriageStatsOut, 403: ErrorOut, 422: ErrorOut})
def statistics(request, q: Query[MarriageStatsQuery]):
    return _stats(request, q.year)


@router.get("/statistics.xlsx", response={200: None, 403: ErrorOut, 422: ErrorOut})
def statistics_xlsx(request, q: Query[MarriageStatsQuery]):
    data = statistics_workbook(_stats(request, q.year))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="marriage-{q.year}.xlsx"'
    return response


def statistics_workbook(stats: dict) -> bytes:
    wb = sheets.workbook()
    ws = wb.active
    ws.title = "按月"
    sheets.append(ws, ["月份", "结婚登记（对）", "离婚登记（对）"])
    for row in stats["months"]:
        sheets.append(
            ws, [f"{stats['year']}-{row['month']:02d}", row["marriages"], row["divorces"]]
        )
    sheets.append(ws, ["合计", stats["total_marriages"], stats["total_divorces"]])
    ws2 = wb.create_sheet("按县（市、区）")
    sheets.append(ws2, ["区划代码", "县（市、区）", "结婚登记（对）", "离婚登记（对）"])
    for row in stats["counties"]:
        sheets.append(ws2, [row["code"], row["name"], row["marriages"], row["divorces"]])
    return sheets.xlsx_bytes(wb)
