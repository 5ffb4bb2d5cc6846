"""JSON API of double-support enrolment, the retired cadres and military-related appeals, mounted
at /api/v1/military. Records outside the user's regions or role read as 404; appeals only along
the appeal's region chain. Names of cadres are masked for the city section and the leader; an
appeal's personal data for the leader."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema, Status
from pydantic import Field

from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Date, Id, Phone, choice
from minzheng.core.pagination import Listing, paginated
from minzheng.people.selectors import masked_name, masked_phone

from . import deadlines, selectors, services
from .models import (
    AppealCategory,
    AppealStage,
    CadreCategory,
    Channel,
    EnrolmentResult,
    MilitaryAppeal,
    MilitaryStatus,
    RetiredCadre,
    Satisfaction,
    ServiceKind,
    SupportEnrolment,
    TreatmentCode,
)
from .permissions import appeal_names, cadre_names

router = Router(tags=["military"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

# ---------------------------------------------------------------- double support


class SupportEnrolmentIn(Schema):
    region_code: str = Field(max_length=12, description="申报单位区划代码")
    year: int = Field(ge=2000, le=2100, description="年度")
    application: str = Field(max_length=2000, description="申报材料说明")
    on: Date | None = None


class SupportEnrolmentReviewIn(Schema):
    result: choice([EnrolmentResult.ENROLLED, EnrolmentResult.NOT_YET]) = Field(
        description="审核结果"
    )
    score: int = Field(ge=0, le=100, description="考核得分")
    evidence: str = Field(max_length=2000, description="考核依据")
    on: Date | None = None


class SupportEnrolmentOut(Schema):
    id: int
    region_code: str
    region_name: str
    region_level: str
    year: int
    applied_on: dt.date
    applied_by_name: str
    application: str
    result: str
    result_label: str
    score: int | None
    evidence: str
    reviewed_on: dt.date | None
    reviewed_by_name: str


class SupportEnrolmentFilter(Schema):
    year: int | None = Field(default=None, ge=2000, le=2100)
    result: choice(EnrolmentResult.values) | None = None


def enrolment_out(e: SupportEnrolment) -> dict:
    return {
        "id": e.pk,
        "region_code": e.region.code,
        "region_name": e.region.name,
        "region_level": e.region.level,
        "year": e.year,
        "applied_on": e.applied_on,
        "applied_by_name": e.applied_by_name,
        "application": e.application,
        "result": e.result,
        "result_label": e.get_result_display(),
        "score": e.score,
        "evidence": e.evidence,
        "reviewed_on": e.reviewed_on,
        "reviewed_by_name": e.reviewed_by_name,
    }


@router.get("/enrolments", response=list[SupportEnrolmentOut])
@paginated(default=100)
def list_enrolments(request, filters: Query[SupportEnrolmentFilter]):
    qs = selectors.enrolments_for(request.user, year=filters.year, result=filters.result or "")
    return Listing(qs.order_by("-year", "region__path"), enrolment_out)


@router.post("/enrolments", response={201: SupportEnrolmentOut, **ERRORS})
def apply(request, payload: SupportEnrolmentIn):
    row = services.apply_enrolment(
        user=request.user,
        region_code=payload.region_code,
        year=payload.year,
        application=payload.application,
        on=payload.on,
    )
    return Status(201, enrolment_out(row))


@router.post("/enrolments/{int:enrolment_id}/review", response={200: SupportEnrolmentOut, **ERRORS})
def review(request, enrolment_id: Id, payload: SupportEnrolmentReviewIn):
    row = selectors.get_enrolment(request.user, enrolment_id)
    return enrolment_out(
        services.review_enrolment(
            user=request.user,
            enrolment=row,
            result=payload.result,
            score=payload.score,
            evidence=payload.evidence,
            on=payload.on,
        )
    )


# ---------------------------------------------------------------- retired cadres


class RetiredCadreIn(Schema):
    id_number: str = Field(max_length=18, description="身份证号码（人口库）")
    category: choice(CadreCategory.values) = Field(description="人员类别")
    rank: str = Field(min_length=1, max_length=32, description="军衔（职级）")
    handover_year: int = Field(ge=2000, le=2100, description="移交年度")
    notice_on: Date = Field(description="移交通知日期")
    notice_number: str = Field(default="", max_length=64)
    due_on: Date | None = Field(default=None, description="接收时限（默认移交年度年底）")


class MilitaryOnIn(Schema):
    on: Date | None = None


class CadreTreatmentIn(Schema):
    item: choice(TreatmentCode.values) = Field(description="待遇项目")
    on: Date | None = None
    note: str = Field(default="", max_length=200)


class CadreServiceIn(Schema):
    kind: choice(ServiceKind.values) = Field(description="服务类别")
    note: str = Field(max_length=200, description="服务内容")
    on: Date | None = None


class CadreSurveyIn(Schema):
    political: choice(Satisfaction.values)
    living: choice(Satisfaction.values)
    services: choice(Satisfaction.values)
    overall: choice(Satisfaction.values)
    comment: str = Field(default="", max_length=500)
    on: Date | None = None


class CadreTreatmentOut(Schema):
    year: int
    kind: str
    item: str
    item_label: str
    delivered_on: dt.date | None
    note: str


class CadreServiceOut(Schema):
    id: int
    kind: str
    on: dt.date
    note: str
    by_name: str


class CadreSurveyOut(Schema):
    id: int
    year: int
    answered_on: dt.date
    political: str
    living: str
    services: str
    overall: str
    comment: str


class RetiredCadreOut(Schema):
    id: int
    person_id: int
    name: str
    id_masked: str
    region_code: str
    region_name: str
    category: str
    category_label: str
    rank: str
    handover_year: int
    notice_number: str
    notice_on: dt.date
    due_on: dt.date
    received_on: dt.date | None
    received_in_time: bool
    treatments: list[CadreTreatmentOut]


class RetiredCadreFilter(Schema):
    year: int | None = Field(default=None, ge=2000, le=2100)


def cadre_out(request, c: RetiredCadre, *, detail: bool = True) -> dict:
    named = cadre_names(request.user)
    return {
        "id": c.pk,
        "person_id": c.person_id,
        "name": c.person.name if named else masked_name(c.person.name),
        "id_masked": c.person.id_masked,
        "region_code": c.region.code,
        "region_name": c.region.name,
        "category": c.category,
        "category_label": c.get_category_display(),
        "rank": c.rank,
        "handover_year": c.handover_year,
        "notice_number": c.notice_number,
        "notice_on": c.notice_on,
        "due_on": c.due_on,
        "received_on": c.received_on,
        "received_in_time": c.received_in_time,
        "treatments": [
            {
                "year": t.year,
                "kind": t.kind,
                "item": t.item,
                "item_label": t.get_item_display(),
                "delivered_on": t.delivered_on,
                "note": t.note,
            }
            for t in c.treatments.all()
        ]
        if detail
        else [],
    }


@router.get("/cadres", response=list[RetiredCadreOut])
@paginated(default=100)
def list_cadres(request, filters: Query[RetiredCadreFilter]):
    qs = selectors.cadres_for(request.user, year=filters.year).order_by("-handover_year", "id")
    return Listing(qs, lambda c: cadre_out(request, c, detail=False))


@router.post("/cadres", response={201: RetiredCadreOut, **ERRORS})
def create_cadre(request, payload: RetiredCadreIn):
    cadre = services.register_handover(user=request.user, **payload.dict())
    return Status(201, cadre_out(request, cadre))


@router.get("/cadres/{int:cadre_id}", response={200: RetiredCadreOut, 404: ErrorOut})
def get_cadre(request, cadre_id: Id):
    return cadre_out(request, selectors.get_cadre(request.user, cadre_id))


@router.post("/cadres/{int:cadre_id}/receive", response={200: RetiredCadreOut, **ERRORS})
def receive(request, cadre_id: Id, payload: MilitaryOnIn):
    cadre = selectors.get_cadre(request.user, cadre_id)
    return cadre_out(request, services.receive_cadre(user=request.user, cadre=cadre, on=payload.on))


@router.post("/cadres/{int:cadre_id}/treatments", response={200: CadreTreatmentOut, **ERRORS})
def deliver(request, cadre_id: Id, payload: CadreTreatmentIn):
    cadre = selectors.get_cadre(request.user, cadre_id)
    t = services.deliver_item(
        user=request.user, cadre=cadre, item=payload.item, on=payload.on, note=payload.note
    )
    return {
        "year": t.year,
        "kind": t.kind,
        "item": t.item,
        "item_label": t.get_item_display(),
        "delivered_on": t.delivered_on,
        "note": t.note,
    }


@router.post("/cadres/{int:cadre_id}/services", response={201: CadreServiceOut, **ERRORS})
def add_service(request, cadre_id: Id, payload: CadreServiceIn):
    cadre = selectors.get_cadre(request.user, cadre_id)
    s = services.log_service(
        user=request.user, cadre=cadre, kind=payload.kind, note=payload.note, on=payload.on
    )
    return Status(
        201, {"id": s.pk, "kind": s.kind, "on": s.on, "note": s.note, "by_name": s.by_name}
    )


@router.post("/cadres/{int:cadre_id}/surveys", response={201: CadreSurveyOut, **ERRORS})
def add_survey(request, cadre_id: Id, payload: CadreSurveyIn):
    cadre = selectors.get_cadre(request.user, cadre_id)
    s = services.record_survey(user=request.user, cadre=cadre, **payload.dict())
    return Status(
        201,
        {
            "id": s.pk,
            "year": s.year,
            "answered_on": s.answered_on,
            "political": s.political,
            "living": s.living,
            "services": s.services,
            "overall": s.overall,
            "comment": s.comment,
        },
    )


# ---------------------------------------------------------------- appeals


class MilitaryAppealIn(Schema):
    channel: choice(Channel.values) | None = Field(default=None, description="来源渠道")
    appellant_id_number: str = Field(default="", max_length=18, description="诉求人身份证号码")
    appellant_name: str = Field(default="", max_length=64, description="诉求人姓名")
    appellant_phone: Phone = ""
    region_code: str = Field(default="", max_length=12, description="所在乡镇（街道）代码")
    military_status: choice(MilitaryStatus.values) = Field(description="涉军身份")
    category: choice(AppealCategory.values) = Field(description="诉求类别")
    content: str = Field(max_length=4000, description="诉求内容")
    received_on: Date | None = None


class MilitaryAppealEventOut(Schema):
    action: str
    label: str
    from_stage: str
    to_stage: str
    by_name: str
    at: dt.datetime
    note: str


class MilitaryAppealOut(Schema):
    id: int
    number: str
    region_code: str
    region_name: str
    channel: str
    appellant_id: int | None
    appellant_name: str
    appellant_phone: str
    military_status: str
    category: str
    content: str
    received_on: dt.date
    stage: str
    stage_label: str
    accept_due_on: dt.date
    accepted_on: dt.date | None
    not_accepted_reason: str
    handle_due_on: dt.date | None
    extended_on: dt.date | None
    extension_reason: str
    reply: str
    replied_on: dt.date | None
    satisfaction: str
    review_due_on: dt.date | None
    review_requested_on: dt.date | None
    review_reason: str
    review_result: str
    closed_on: dt.date | None
    report_due_on: dt.date
    reported_on: dt.date | None
    facts_check: str
    abnormal_petition: bool
    mass_incident: bool
    overdue: str


class MilitaryAppealStatusOut(Schema):
    id: int
    number: str
    received_on: dt.date
    stage: str
    stage_label: str
    reply: str
    replied_on: dt.date | None


class MilitaryAppealFilter(Schema):
    stage: choice(AppealStage.values) | None = None
    overdue: bool = False


class AppealReasonIn(Schema):
    reason: str = Field(max_length=2000)
    on: Date | None = None


class AppealReplyIn(Schema):
    reply: str = Field(max_length=4000, description="书面答复")
    on: Date | None = None


class AppealNoteIn(Schema):
    note: str = Field(max_length=2000)


class AppealSatisfactionIn(Schema):
    satisfaction: choice(Satisfaction.values)


class AppealReviewResultIn(Schema):
    result: str = Field(max_length=2000, description="复查意见")
    on: Date | None = None


class AppealFactsIn(Schema):
    result: choice(["accurate", "corrected"])
    note: str = Field(default="", max_length=500)


class AppealFlagIn(Schema):
    abnormal_petition: bool = False
    mass_incident: bool = False
    note: str = Field(max_length=500)


FIELDS = [
    f
    for f in MilitaryAppealOut.model_fields
    if f not in ("id", "region_code", "region_name", "appellant_id", "stage_label", "overdue")
]


def appeal_out(request, a: MilitaryAppeal) -> dict:
    from django.utils import timezone

    out = {f: getattr(a, f) for f in FIELDS}
    if not appeal_names(request.user):
        out["appellant_name"] = masked_name(a.appellant_name)
        out["appellant_phone"] = masked_phone(a.appellant_phone)
    out.update(
        {
            "id": a.pk,
            "region_code": a.region.code,
            "region_name": a.region.name,
            "appellant_id": a.appellant_id if appeal_names(request.user) else None,
            "stage_label": a.get_stage_display(),
            "overdue": deadlines.overdue(a, timezone.localdate()),
        }
    )
    return out


def status_out(a: MilitaryAppeal) -> dict:
    return {
        "id": a.pk,
        "number": a.number,
        "received_on": a.received_on,
        "stage": a.stage,
        "stage_label": a.get_stage_display(),
        "reply": a.reply or a.not_accepted_reason,
        "replied_on": a.replied_on,
    }


@router.get("/appeals", response=list[MilitaryAppealOut])
@paginated(default=100)
def list_appeals(request, filters: Query[MilitaryAppealFilter]):
    qs = selectors.appeals_for(request.user, stage=filters.stage or "", overdue=filters.overdue)
    return Listing(qs.order_by("-received_on", "-id"), lambda a: appeal_out(request, a))


@router.post("/appeals", response={201: MilitaryAppealStatusOut, **ERRORS})
def file(request, payload: MilitaryAppealIn):
    data = payload.dict()
    data["channel"] = data["channel"] or ""
    appeal = services.file_appeal(user=request.user, **data)
    return Status(201, status_out(appeal))


@router.get("/appeals/mine", response=list[MilitaryAppealStatusOut])
@paginated(default=100)
def mine(request):
    return Listing(selectors.my_appeals(request.user), status_out)


@router.get("/appeals/{int:appeal_id}", response={200: MilitaryAppealOut, 404: ErrorOut})
def get_appeal(request, appeal_id: Id):
    return appeal_out(request, selectors.get_appeal(request.user, appeal_id))


@router.get(
    "/appeals/{int:appeal_id}/events", response={200: list[MilitaryAppealEventOut], 404: ErrorOut}
)
def appeal_events(request, appeal_id: Id):
    appeal = selectors.get_appeal(request.user, appeal_id)
    return list(appeal.events.values(*MilitaryAppealEventOut.model_fields))


def _a(request, appeal_id):
    return selectors.get_appeal(request.user, appeal_id)


@router.post("/appeals/{int:appeal_id}/accept", response={200: MilitaryAppealOut, **ERRORS})
def accept(request, appeal_id: Id, payload: MilitaryOnIn):
    a = services.accept_appeal(user=request.user, appeal=_a(request, appeal_id), on=payload.on)
    return appeal_out(request, a)


@router.post("/appeals/{int:appeal_id}/decline", response={200: MilitaryAppealOut, **ERRORS})
def decline(request, appeal_id: Id, payload: AppealReasonIn):
    a = services.decline_appeal(
        user=request.user, appeal=_a(request, appeal_id), reason=payload.reason, on=payload.on
    )
    return appeal_out(request, a)


@router.post("/appeals/{int:appeal_id}/notes", response={200: MilitaryAppealOut, **ERRORS})
def note(request, appeal_id: Id, payload: AppealNoteIn):
    a = services.add_note(user=request.user, appeal=_a(request, appeal_id), note=payload.note)
    return appeal_out(request, a)


@router.post("/appeals/{int:appeal_id}/extend", response={200: MilitaryAppealOut, **ERRORS})
def extend(request, appeal_id: Id, payload: AppealReasonIn):
    a = services.extend_appeal(
        user=request.user, appeal=_a(request, appeal_id), reason=payload.reason, on=payload.on
    )
    return appeal_out(request, a)


@router.post("/appeals/{int:appeal_id}/reply", response={200: MilitaryAppealOut, **ERRORS})
def reply(request, appeal_id: Id, payload: AppealReplyIn):
    a = services.reply_appeal(
        user=request.user, appeal=_a(request, appeal_id), reply=payload.reply, on=payload.on
    )
    return appeal_out(request, a)


@router.post("/appeals/{int:appeal_id}/satisfaction", response={200: MilitaryAppealOut, **ERRORS})
def satisfaction(request, appeal_id: Id, payload: AppealSatisfactionIn):
    a = services.record_satisfaction(
        user=request.user, appeal=_a(request, appeal_id), satisfaction=payload.satisfaction
    )
    return appeal_out(request, a)


@router.post("/appeals/{int:appeal_id}/review", response={200: MilitaryAppealOut, **ERRORS})
def review_request(request, appeal_id: Id, payload: AppealReasonIn):
    a = services.request_review(
        user=request.user, appeal=_a(request, appeal_id), reason=payload.reason, on=payload.on
    )
    return appeal_out(request, a)


@router.post("/appeals/{int:appeal_id}/review-result", response={200: MilitaryAppealOut, **ERRORS})
def review_result(request, appeal_id: Id, payload: AppealReviewResultIn):
    a = services.decide_review(
        user=request.user, appeal=_a(request, appeal_id), result=payload.result, on=payload.on
    )
    return appeal_out(request, a)


@router.post("/appeals/{int:appeal_id}/report", response={200: MilitaryAppealOut, **ERRORS})
def report(request, appeal_id: Id, payload: MilitaryOnIn):
    a = services.report_appeal(user=request.user, appeal=_a(request, appeal_id), on=payload.on)
    return appeal_out(request, a)


@router.post("/appeals/{int:appeal_id}/facts", response={200: MilitaryAppealOut, **ERRORS})
def facts(request, appeal_id: Id, payload: AppealFactsIn):
    a = services.check_facts(
        user=request.user, appeal=_a(request, appeal_id), result=payload.result, note=payload.note
    )
    return appeal_out(request, a)


@router.post("/appeals/{int:appeal_id}/flags", response={200: MilitaryAppealOut, **ERRORS})
def flags(request, appeal_id: Id, payload: AppealFlagIn):
    a = services.flag_appeal(user=request.user, appeal=_a(request, appeal_id), **payload.dict())
    return appeal_out(request, a)
