"""JSON API of the complaints register, mounted at /api/v1/complaints. A complaint outside the
user's scope reads as 404; a step the complaint's state does not allow is 409; field errors 422.
The complainant's personal data are masked for roles that do not handle complaints."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Date, Id, Phone, choice
from minzheng.core.pagination import Listing, paginated
from minzheng.people.selectors import masked_name, masked_phone

from . import deadlines, selectors, services, stats, subjects
from .models import Category, Channel, Complaint, Satisfaction
from .models import Status as ComplaintStatus
from .permissions import shows_personal_data

router = Router(tags=["complaints"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ComplaintFileIn(Schema):
    channel: choice(Channel.values) | None = Field(default=None, description="来源渠道")
    category: choice(Category.values) = Field(description="投诉类别")
    content: str = Field(max_length=4000, description="投诉内容")
    anonymous: bool = Field(default=False, description="匿名（仅来电、来信）")
    complainant_id_number: str = Field(default="", max_length=18, description="投诉人身份证号码")
    complainant_name: str = Field(default="", max_length=64, description="投诉人姓名")
    complainant_phone: Phone = ""
    subject_kind: str = Field(default="", max_length=40, description="投诉对象类型")
    subject_id: Id | None = Field(default=None, description="投诉对象编号")
    owner_region_code: str = Field(default="", max_length=12, description="承办地区代码")
    owner_unit_code: str = Field(default="", max_length=32, description="承办单位代码")
    received_on: Date | None = None


class ComplaintOnIn(Schema):
    on: Date | None = None


class ComplaintReasonIn(Schema):
    reason: str = Field(max_length=2000, description="理由")
    on: Date | None = None


class ComplaintTransferIn(Schema):
    to_region_code: str = Field(default="", max_length=12, description="转往地区代码")
    to_unit_code: str = Field(default="", max_length=32, description="转往单位代码")
    note: str = Field(max_length=500, description="转办说明")


class ComplaintExtendIn(Schema):
    reason: str = Field(max_length=2000, description="延期理由")
    days: int = Field(default=30, ge=1, le=30, description="延长天数")


class ComplaintInvestigateIn(Schema):
    findings: str = Field(max_length=4000, description="调查情况")
    substantiated: bool = Field(description="投诉是否属实")


class ComplaintReplyIn(Schema):
    reply: str = Field(max_length=4000, description="书面答复")
    on: Date | None = None


class ComplaintRateIn(Schema):
    satisfaction: choice(Satisfaction.values) = Field(description="对答复的评价")


class ComplaintReviewResultIn(Schema):
    result: str = Field(max_length=2000, description="复查意见")
    on: Date | None = None


class ComplaintEventOut(Schema):
    action: str
    label: str
    from_status: str
    to_status: str
    by_name: str
    at: dt.datetime
    note: str


class ComplaintOut(Schema):
    id: int
    number: str
    channel: str
    category: str
    category_label: str
    anonymous: bool
    complainant_id: int | None
    complainant_name: str
    complainant_phone: str
    subject_kind: str
    subject_id: int | None
    owner_region_code: str
    owner_unit_code: str
    owner: str
    content: str
    received_on: dt.date
    status: str
    status_label: str
    accept_due_on: dt.date
    accepted_on: dt.date | None
    not_accepted_reason: str
    handle_due_on: dt.date | None
    extended_on: dt.date | None
    extension_reason: str
    findings: str
    substantiated: bool | None
    reply: str
    replied_on: dt.date | None
    replied_in_time: bool | None
    satisfaction: str
    review_due_on: dt.date | None
    review_requested_on: dt.date | None
    review_reason: str
    review_answer_due_on: dt.date | None
    review_result: str
    closed_on: dt.date | None
    due_on: dt.date | None
    flag: str = Field(description="overdue / due_soon / 空")


class ComplaintFilter(Schema):
    status: choice(ComplaintStatus.values) | None = None
    category: choice(Category.values) | None = None
    channel: choice(Channel.values) | None = None
    overdue: bool = False
    due_soon: bool = False
    q: str = Field(default="", max_length=40)


class ComplaintStatsRowOut(Schema):
    key: str
    label: str
    received: int
    accepted: int
    investigated: int
    replied: int
    replied_in_time: int
    overdue: int


class ComplaintStatsOut(Schema):
    year: int
    by: str
    rows: list[ComplaintStatsRowOut]


class ComplaintSubjectKindOut(Schema):
    kind: str
    label: str


PLAIN = (
    "number channel category anonymous subject_kind subject_id content received_on status "
    "accept_due_on accepted_on not_accepted_reason handle_due_on extended_on extension_reason "
    "findings substantiated reply replied_on satisfaction review_due_on review_requested_on "
    "review_reason review_answer_due_on review_result closed_on replied_in_time"
).split()


def complaint_out(user, c: Complaint) -> dict:
    out = {f: getattr(c, f) for f in PLAIN}
    full = shows_personal_data(user) or c.filer_id == user.pk
    out.update(
        {
            "id": c.pk,
            "category_label": c.get_category_display(),
            "status_label": c.get_status_display(),
            "complainant_id": c.complainant_id if full else None,
            "complainant_name": c.complainant_name if full else masked_name(c.complainant_name),
            "complainant_phone": c.complainant_phone if full else masked_phone(c.complainant_phone),
            "owner_region_code": c.owner_region.code,
            "owner_unit_code": c.owner_unit.code if c.owner_unit_id else "",
            "owner": c.owner_label,
            "due_on": deadlines.current_due(c),
            "flag": deadlines.flag(c, timezone.localdate()),
        }
    )
    return out


def _c(request, complaint_id):
    return selectors.get_complaint(request.user, complaint_id)


@router.get("/complaints", response=list[ComplaintOut])
@paginated()
def list_complaints(request, filters: Query[ComplaintFilter]):
    qs = selectors.complaints_for(
        request.user,
        status=filters.status or "",
        category=filters.category or "",
        channel=filters.channel or "",
        overdue=filters.overdue,
        due_soon=filters.due_soon,
        query=filters.q,
    )
    return Listing(qs, lambda c: complaint_out(request.user, c))


@router.post("/complaints", response={201: ComplaintOut, **ERRORS})
def file(request, payload: ComplaintFileIn):
    data = payload.dict()
    data["channel"] = data["channel"] or ""
    c = services.file_complaint(user=request.user, **data)
    return Status(201, complaint_out(request.user, c))


@router.get("/complaints/mine", response=list[ComplaintOut])
@paginated()
def my_complaints(request):
    return Listing(selectors.mine(request.user), lambda c: complaint_out(request.user, c))


@router.get("/subject-kinds", response=list[ComplaintSubjectKindOut])
def subject_kinds(request):
    return [{"kind": k.kind, "label": str(k.label)} for k in subjects.kinds()]


@router.get("/stats", response={200: ComplaintStatsOut, 403: ErrorOut, 422: ErrorOut})
def statistics(request, year: int = Query(None, ge=2000, le=2100), by: stats.By = "category"):
    year = year or timezone.localdate().year
    stats.check_reader(request.user)
    return {"year": year, "by": by, "rows": stats.table(request.user, year=year, by=by)}


@router.get("/complaints/{int:complaint_id}", response={200: ComplaintOut, 404: ErrorOut})
def get(request, complaint_id: Id):
    return complaint_out(request.user, _c(request, complaint_id))


@router.get(
    "/complaints/{int:complaint_id}/events",
    response={200: list[ComplaintEventOut], 404: ErrorOut},
)
def events(request, complaint_id: Id):
    c = _c(request, complaint_id)
    return list(c.events.values(*ComplaintEventOut.model_fields))


@router.get(
    "/complaints/{int:complaint_id}/reply-letter",
    response={200: None, 404: ErrorOut, 409: ErrorOut},
)
def reply_letter(request, complaint_id: Id):
    """The written reply as a PDF letter (once replied)."""
    c = _c(request, complaint_id)
    if not c.replied_on:
        return Status(409, {"detail": str(_no_reply())})
    response = HttpResponse(services.reply_letter_pdf(c), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{c.number}.pdf"'
    return response


def _no_reply():
    from django.utils.translation import gettext as _

    return _("尚未书面答复")


def _act(path: str, schema):
    def decorate(func):
        return router.post(
            f"/complaints/{{int:complaint_id}}/{path}", response={200: ComplaintOut, **ERRORS}
        )(func)

    return decorate


@_act("accept", ComplaintOnIn)
def accept(request, complaint_id: Id, payload: ComplaintOnIn):
    c = services.accept(user=request.user, complaint=_c(request, complaint_id), on=payload.on)
    return complaint_out(request.user, c)


@_act("decline", ComplaintReasonIn)
def decline(request, complaint_id: Id, payload: ComplaintReasonIn):
    c = services.decline(
        user=request.user, complaint=_c(request, complaint_id), reason=payload.reason, on=payload.on
    )
    return complaint_out(request.user, c)


@_act("transfer", ComplaintTransferIn)
def transfer(request, complaint_id: Id, payload: ComplaintTransferIn):
    c = services.transfer(user=request.user, complaint=_c(request, complaint_id), **payload.dict())
    return complaint_out(request.user, c)


@_act("extend", ComplaintExtendIn)
def extend(request, complaint_id: Id, payload: ComplaintExtendIn):
    c = services.extend(user=request.user, complaint=_c(request, complaint_id), **payload.dict())
    return complaint_out(request.user, c)


@_act("investigate", ComplaintInvestigateIn)
def investigate(request, complaint_id: Id, payload: ComplaintInvestigateIn):
    c = services.investigate(
        user=request.user, complaint=_c(request, complaint_id), **payload.dict()
    )
    return complaint_out(request.user, c)


@_act("reply", ComplaintReplyIn)
def reply(request, complaint_id: Id, payload: ComplaintReplyIn):
    c = services.reply(
        user=request.user, complaint=_c(request, complaint_id), text=payload.reply, on=payload.on
    )
    return complaint_out(request.user, c)


@_act("rate", ComplaintRateIn)
def rate(request, complaint_id: Id, payload: ComplaintRateIn):
    c = services.rate(
        user=request.user, complaint=_c(request, complaint_id), satisfaction=payload.satisfaction
    )
    return complaint_out(request.user, c)


@_act("close", ComplaintOnIn)
def close(request, complaint_id: Id, payload: ComplaintOnIn):
    c = services.close(user=request.user, complaint=_c(request, complaint_id))
    return complaint_out(request.user, c)


@_act("review", ComplaintReasonIn)
def review(request, complaint_id: Id, payload: ComplaintReasonIn):
    c = services.request_review(
        user=request.user, complaint=_c(request, complaint_id), reason=payload.reason, on=payload.on
    )
    return complaint_out(request.user, c)


@_act("review-result", ComplaintReviewResultIn)
def review_result(request, complaint_id: Id, payload: ComplaintReviewResultIn):
    c = services.answer_review(
        user=request.user, complaint=_c(request, complaint_id), result=payload.result, on=payload.on
    )
    return complaint_out(request.user, c)
