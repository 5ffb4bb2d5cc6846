"""JSON API of the special-care roster (优抚对象), mounted at /api/v1/specialcare.

Records outside the user's regions read as 404; names are masked for the roles that do not need
them (permissions.shows_names); ID numbers are always masked. A registration and every change is a
request that the county approver approves or refuses."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from minzheng.accounts.models import actor_name
from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Date, Id, choice
from minzheng.core.pagination import Listing, paginated
from minzheng.people.selectors import masked_name

from . import quality, selectors, services
from .models import (
    Category,
    ChangeKind,
    ChangeStatus,
    DisabilityCause,
    DocumentKind,
    EndReason,
    IdCheckMethod,
    Recipient,
    RecipientChange,
    RecipientStatus,
    Relation,
    ServiceKind,
)
from .permissions import shows_names

router = Router(tags=["specialcare"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class AttributesIn(Schema):
    certificate_no: str = Field(default="", max_length=40, description="证件编号")
    certificate_issued_on: Date | None = None
    disability_grade: int | None = Field(
        default=None, description="残疾等级（1至10，残疾军人必填）"
    )
    disability_cause: choice(DisabilityCause.values) | None = None
    enlisted_on: Date | None = None
    discharged_on: Date | None = None
    service_unit: str = Field(default="", max_length=100)
    soldier_name: str = Field(default="", max_length=64, description="烈士（军人）姓名")
    relation: choice(Relation.values) | None = None
    soldier_died_on: Date | None = None
    service_kind: choice(ServiceKind.values) | None = None


class RegisterIn(AttributesIn):
    category: choice(Category.values) = Field(description="优抚类别")
    person_id: Id | None = Field(default=None, description="人口库人员编号")
    id_number: str = Field(default="", max_length=18, description="身份证号码")
    registered_on: Date | None = None


class RecipientOut(Schema):
    id: int
    person_id: int
    name: str
    id_masked: str
    region_code: str
    region_name: str
    category: str
    category_label: str
    status: str
    status_label: str
    registered_on: dt.date
    ended_on: dt.date | None
    end_reason: str
    certificate_no: str
    certificate_issued_on: dt.date | None
    disability_grade: int | None
    disability_cause: str
    enlisted_on: dt.date | None
    discharged_on: dt.date | None
    service_unit: str
    soldier_name: str
    relation: str
    soldier_died_on: dt.date | None
    service_kind: str
    id_checked_on: dt.date | None
    id_check_method: str


class RecipientFilter(Schema):
    category: choice(Category.values) | None = None
    status: choice(RecipientStatus.values) | None = None
    region_code: str = Field(default="", max_length=12)
    q: str = Field(default="", max_length=64, description="姓名或身份证号码")


class RecipientChangeIn(Schema):
    kind: choice([k for k in ChangeKind.values if k != ChangeKind.REGISTER])
    event_on: Date = Field(description="事件日期（死亡、评定、迁移的日期）")
    disability_grade: int | None = None
    disability_cause: choice(DisabilityCause.values) | None = None
    region_code: str = Field(default="", max_length=12, description="迁入地村（社区）代码")
    end_reason: choice(EndReason.values) | None = None
    corrections: AttributesIn | None = Field(default=None, description="信息更正的内容")
    reason: str = Field(default="", max_length=500)


class ChangeOut(Schema):
    id: int
    recipient_id: int
    kind: str
    kind_label: str
    event_on: dt.date
    due_on: dt.date | None
    details: dict
    reason: str
    status: str
    status_label: str
    requested_by: str
    requested_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None
    decision_note: str


class DecisionIn(Schema):
    approve: bool
    note: str = Field(default="", max_length=500)


class IdCheckIn(Schema):
    method: choice(IdCheckMethod.values)
    on: Date | None = None


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    original_name: str
    size: int
    note: str
    uploaded_at: dt.datetime


class FailingOut(Schema):
    rule: str
    dimension: str
    label: str
    record_id: int
    name: str
    region_code: str


class RuleOut(Schema):
    code: str
    dimension: str
    label: str


def recipient_out(request, r: Recipient) -> dict:
    data = {
        f: getattr(r, f)
        for f in (
            "person_id",
            "category",
            "status",
            "registered_on",
            "ended_on",
            "end_reason",
            "certificate_no",
            "certificate_issued_on",
            "disability_grade",
            "disability_cause",
            "enlisted_on",
            "discharged_on",
            "service_unit",
            "soldier_name",
            "relation",
            "soldier_died_on",
            "service_kind",
            "id_checked_on",
            "id_check_method",
        )
    }
    return data | {
        "id": r.pk,
        "name": r.person.name if shows_names(request.user) else masked_name(r.person.name),
        "id_masked": r.person.id_masked,
        "region_code": r.region.code,
        "region_name": r.region.name,
        "category_label": r.get_category_display(),
        "status_label": r.get_status_display(),
    }


def change_out(c: RecipientChange) -> dict:
    return {
        "id": c.pk,
        "recipient_id": c.recipient_id,
        "kind": c.kind,
        "kind_label": c.get_kind_display(),
        "event_on": c.event_on,
        "due_on": c.due_on,
        "details": c.details or {},
        "reason": c.reason,
        "status": c.status,
        "status_label": c.get_status_display(),
        "requested_by": actor_name(c.requested_by),
        "requested_at": c.requested_at,
        "decided_by": actor_name(c.decided_by),
        "decided_at": c.decided_at,
        "decision_note": c.decision_note,
    }


def _attributes(payload: AttributesIn) -> dict:
    data = payload.dict()
    for key in ("disability_cause", "relation", "service_kind"):
        data[key] = data[key] or ""
    return data


class _Rows(list):
    """A list the paginator can count."""

    def count(self) -> int:  # noqa: D102
        return len(self)


@router.get("/records", response=list[RecipientOut])
@paginated(default=100)
def list_records(request, filters: Query[RecipientFilter]):
    qs = selectors.records_for(
        request.user,
        category=filters.category or "",
        status=filters.status or "",
        region_code=filters.region_code,
        query=filters.q,
    ).order_by("region__path", "id")
    return Listing(qs, lambda r: recipient_out(request, r))


@router.post("/records", response={201: RecipientOut, **ERRORS})
def register(request, payload: RegisterIn):
    """Register a person of the registry (by registry id or ID number) in a category: a pending
    record until the county approves it."""
    record = services.register(
        user=request.user,
        category=payload.category,
        data=_attributes(payload),
        person_id=payload.person_id,
        id_number=payload.id_number,
        registered_on=payload.registered_on,
    )
    return Status(201, recipient_out(request, record))


@router.get("/records/{int:record_id}", response={200: RecipientOut, 404: ErrorOut})
def get_record(request, record_id: Id):
    return recipient_out(request, selectors.get_record(request.user, record_id))


@router.get("/records/{int:record_id}/changes", response={200: list[ChangeOut], 404: ErrorOut})
def record_changes(request, record_id: Id):
    record = selectors.get_record(request.user, record_id)
    return [change_out(c) for c in selectors.history(record)]


@router.post("/records/{int:record_id}/changes", response={201: ChangeOut, **ERRORS})
def request_change(request, record_id: Id, payload: RecipientChangeIn):
    record = selectors.get_record(request.user, record_id)
    data: dict = {}
    if payload.kind == ChangeKind.GRADE:
        data = {"disability_grade": payload.disability_grade}
        if payload.disability_cause:
            data["disability_cause"] = payload.disability_cause
    elif payload.kind == ChangeKind.MOVE:
        data = {"region_code": payload.region_code}
    elif payload.kind == ChangeKind.END:
        data = {"end_reason": payload.end_reason or ""}
    elif payload.kind == ChangeKind.CORRECTION and payload.corrections is not None:
        data = payload.corrections.dict(exclude_unset=True)
    change = services.request_change(
        user=request.user,
        record=record,
        kind=payload.kind,
        event_on=payload.event_on,
        data=data,
        reason=payload.reason,
    )
    return Status(201, change_out(change))


@router.get("/changes", response=list[ChangeOut])
@paginated(default=100)
def list_changes(request, status: choice(ChangeStatus.values) | None = None):
    qs = selectors.changes_for(request.user, status=status or "").order_by("requested_at", "id")
    return Listing(qs, change_out)


@router.post("/changes/{int:change_id}/decision", response={200: ChangeOut, **ERRORS})
def decide(request, change_id: Id, payload: DecisionIn):
    change = selectors.get_change(request.user, change_id)
    return change_out(
        services.decide_change(
            user=request.user, change=change, approve=payload.approve, note=payload.note
        )
    )


@router.post("/records/{int:record_id}/id-check", response={200: RecipientOut, **ERRORS})
def id_check(request, record_id: Id, payload: IdCheckIn):
    record = selectors.get_record(request.user, record_id)
    services.record_id_check(user=request.user, record=record, method=payload.method, on=payload.on)
    return recipient_out(request, selectors.get_record(request.user, record_id))


@router.get("/records/{int:record_id}/documents", response={200: list[DocumentOut], 404: ErrorOut})
def documents(request, record_id: Id):
    record = selectors.get_record(request.user, record_id)
    return [_document_out(d) for d in record.documents.all()]


def _document_out(d) -> dict:
    return {
        "id": d.pk,
        "kind": d.kind,
        "kind_label": d.get_kind_display(),
        "original_name": d.original_name,
        "size": d.size,
        "note": d.note,
        "uploaded_at": d.uploaded_at,
    }


@router.post("/records/{int:record_id}/documents", response={201: DocumentOut, **ERRORS})
def upload_document(
    request,
    record_id: Id,
    kind: Form[choice(DocumentKind.values)],
    file: File[UploadedFile],
    note: Form[str] = "",
):
    record = selectors.get_record(request.user, record_id)
    document = services.add_document(
        user=request.user, record=record, kind=kind, upload=file, note=note
    )
    return Status(201, _document_out(document))


@router.get("/quality/rules", response=list[RuleOut])
def quality_rules(request):
    return [
        {"code": r.code, "dimension": r.dimension, "label": str(r.label)} for r in quality.rules()
    ]


@router.get("/quality/failing", response=list[FailingOut])
@paginated(default=100)
def quality_failing(request, rule: str = "", region_code: str = ""):
    """Every active record in scope failing a data-quality rule today, with the rule."""
    names = shows_names(request.user)
    rows = selectors.failing_rows(
        request.user, on=timezone.localdate(), rule_code=rule[:64], region_code=region_code[:12]
    )
    return Listing(
        _Rows(rows),
        lambda pair: {
            "rule": pair[0].code,
            "dimension": pair[0].dimension,
            "label": str(pair[0].label),
            "record_id": pair[1].pk,
            "name": pair[1].person.name if names else masked_name(pair[1].person.name),
            "region_code": pair[1].region.code,
        },
    )
