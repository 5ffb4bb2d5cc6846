"""JSON API of sunshine placement, mounted at /api/v1/placement.

A year, veteran, post or course of another county reads as 404; an employer reads only its own
posts (with who took them); a veteran with a resident account reads their own records. ID numbers
are always masked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Date, Fen, Id, choice
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.pagination import Listing, paginated

from . import selectors, services
from .models import ExamResult, PriorityGroup, Rank, Veteran
from .permissions import is_employer, is_veteran_account

router = Router(tags=["placement"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class YearIn(Schema):
    year: int = Field(ge=2000, le=2100, description="安置年度")
    region_code: str = Field(default="", max_length=12, description="县（市、区）代码")
    grant_per_year_fen: Fen | None = Field(default=None, description="一次性经济补助标准（分/年）")


class YearOut(Schema):
    id: int
    year: int
    region_code: str
    region_name: str
    status: str
    status_label: str
    publicity_start: dt.date | None
    publicity_end: dt.date | None
    finalised_on: dt.date | None
    grant_per_year_fen: int
    weights: dict


class RecordIn(Schema):
    enlisted_on: Date = Field(description="入伍日期")
    discharged_on: Date = Field(description="退役日期")
    rank: choice(Rank.values) = Field(description="军衔（士兵等级）")
    priority_group: choice(PriorityGroup.values) | None = Field(
        default=None, description="重点安置对象类别"
    )
    priority_evidence: str = Field(default="", max_length=200)
    first_class_merits: int = Field(default=0, ge=0, le=20)
    second_class_merits: int = Field(default=0, ge=0, le=20)
    third_class_merits: int = Field(default=0, ge=0, le=20)
    outstanding_soldier: int = Field(default=0, ge=0, le=20)
    hardship_months: int = Field(default=0, ge=0, le=600)
    warnings: int = Field(default=0, ge=0, le=20)
    serious_warnings: int = Field(default=0, ge=0, le=20)
    demerits: int = Field(default=0, ge=0, le=20)


class VeteranIn(RecordIn):
    id_number: str = Field(max_length=18, description="身份证号码")
    wishes_training: bool = False


class TracePart(Schema):
    part: str
    quantity: str
    points: str


class VeteranOut(Schema):
    id: int
    year_id: int
    person_id: int
    name: str
    id_masked: str
    region_code: str
    enlisted_on: dt.date
    discharged_on: dt.date
    service_months: int
    rank: str
    priority_group: str
    score: Decimal
    score_trace: list[TracePart]
    rank_no: int | None
    choice_no: int | None
    outcome: str
    outcome_label: str
    post_id: int | None
    wishes_training: bool
    grant_fen: int | None
    grant_decided_on: dt.date | None


class PublishIn(Schema):
    start: Date
    end: Date


class RankingObjectionIn(Schema):
    text: str = Field(max_length=1000, description="异议内容")


class CorrectionIn(Schema):
    enlisted_on: Date | None = None
    discharged_on: Date | None = None
    rank: choice(Rank.values) | None = None
    priority_group: choice([*PriorityGroup.values, ""]) | None = None
    priority_evidence: str | None = Field(default=None, max_length=200)
    first_class_merits: int | None = Field(default=None, ge=0, le=20)
    second_class_merits: int | None = Field(default=None, ge=0, le=20)
    third_class_merits: int | None = Field(default=None, ge=0, le=20)
    outstanding_soldier: int | None = Field(default=None, ge=0, le=20)
    hardship_months: int | None = Field(default=None, ge=0, le=600)
    warnings: int | None = Field(default=None, ge=0, le=20)
    serious_warnings: int | None = Field(default=None, ge=0, le=20)
    demerits: int | None = Field(default=None, ge=0, le=20)


class AnswerIn(Schema):
    upheld: bool
    answer: str = Field(max_length=1000, description="答复意见")
    corrections: CorrectionIn | None = None


class ObjectionOut(Schema):
    id: int
    veteran_id: int
    text: str
    by_veteran: bool
    filed_on: dt.date
    status: str
    answer: str
    answered_on: dt.date | None
    score_before: Decimal | None
    score_after: Decimal | None


class PostIn(Schema):
    unit: str = Field(default="", max_length=100, description="接收单位")
    name: str = Field(max_length=100, description="岗位名称")
    count: int = Field(ge=1, le=200, description="岗位数")
    requirements: str = Field(default="", max_length=500)
    location: str = Field(default="", max_length=100)


class PostOut(Schema):
    id: int
    year_id: int
    unit: str
    name: str
    count: int
    taken: int
    requirements: str
    location: str
    status: str
    status_label: str
    reason: str
    taken_by: list[str]


class PostReviewIn(Schema):
    approve: bool
    reason: str = Field(default="", max_length=200)


class ChoiceIn(Schema):
    veteran_id: Id
    post_id: Id | None = None
    self_employment: bool = False
    wishes_training: bool = False


class BoardRow(Schema):
    choice_no: int | None
    name: str
    outcome: str
    post: str


class BoardPost(Schema):
    id: int
    unit: str
    name: str
    count: int
    left: int


class BoardOut(Schema):
    status: str
    turn: BoardRow | None
    posts: list[BoardPost]
    places_left: int
    made: list[BoardRow]
    pending: int


class SelfEmploymentGrantOut(Schema):
    veteran_id: int
    amount_fen: int
    payable_id: int
    payable_status: str


class CourseIn(Schema):
    name: str = Field(max_length=100)
    provider: str = Field(max_length=100)
    starts_on: Date
    ends_on: Date
    sessions: int = Field(default=1, ge=1, le=365)


class CourseOut(Schema):
    id: int
    year_id: int
    name: str
    provider: str
    starts_on: dt.date
    ends_on: dt.date
    sessions: int


class EnrolIn(Schema):
    veteran_id: Id
    on: Date | None = None


class AttendanceIn(Schema):
    on: Date
    present: bool = True


class ExamIn(Schema):
    result: choice(ExamResult.values)
    on: Date | None = None


class OutcomeIn(Schema):
    employed: bool
    employer_name: str = Field(default="", max_length=100)
    on: Date | None = None


class EnrolmentOut(Schema):
    id: int
    course_id: int
    veteran_id: int
    enrolled_on: dt.date
    attended: int
    exam_result: str
    exam_on: dt.date | None
    employed: bool | None
    employer_name: str
    outcome_on: dt.date | None


# ---------------------------------------------------------------- output


def year_out(y) -> dict:
    return {
        "id": y.pk,
        "year": y.year,
        "region_code": y.region.code,
        "region_name": y.region.name,
        "status": y.status,
        "status_label": y.get_status_display(),
        "publicity_start": y.publicity_start,
        "publicity_end": y.publicity_end,
        "finalised_on": y.finalised_on,
        "grant_per_year_fen": y.grant_per_year_fen,
        "weights": y.weights,
    }


def veteran_out(v: Veteran) -> dict:
    return {
        "id": v.pk,
        "year_id": v.year_id,
        "person_id": v.person_id,
        "name": v.person.name,
        "id_masked": v.person.id_masked,
        "region_code": v.region.code,
        **{
            f: getattr(v, f)
            for f in (
                "enlisted_on",
                "discharged_on",
                "service_months",
                "rank",
                "priority_group",
                "score",
                "score_trace",
                "rank_no",
                "choice_no",
                "outcome",
                "post_id",
                "wishes_training",
                "grant_fen",
                "grant_decided_on",
            )
        },
        "outcome_label": v.get_outcome_display(),
    }


def objection_out(o) -> dict:
    return {
        f: getattr(o, f)
        for f in (
            "id",
            "veteran_id",
            "text",
            "by_veteran",
            "filed_on",
            "status",
            "answer",
            "answered_on",
            "score_before",
            "score_after",
        )
    }


def post_out(p) -> dict:
    return {
        **{
            f: getattr(p, f)
            for f in (
                "id",
                "year_id",
                "unit",
                "name",
                "count",
                "taken",
                "requirements",
                "location",
                "status",
                "reason",
            )
        },
        "status_label": p.get_status_display(),
        "taken_by": [v.person.name for v in p.chosen_by.select_related("person").order_by("id")],
    }


def enrolment_out(e) -> dict:
    return {
        **{
            f: getattr(e, f)
            for f in (
                "id",
                "course_id",
                "veteran_id",
                "enrolled_on",
                "exam_result",
                "exam_on",
                "employed",
                "employer_name",
                "outcome_on",
            )
        },
        "attended": e.attendance.filter(present=True).count(),
    }


def _board_row(v) -> dict:
    from minzheng.people.selectors import masked_name

    return {
        "choice_no": v.choice_no,
        "name": masked_name(v.person.name, keep_last=True),
        "outcome": v.outcome,
        "post": str(v.post) if v.post_id else "",
    }


# ---------------------------------------------------------------- years and veterans


@router.get("/years", response=list[YearOut])
@paginated(default=100)
def list_years(request):
    return Listing(selectors.years_for(request.user).order_by("-year", "region__code"), year_out)


@router.post("/years", response={201: YearOut, **ERRORS})
def create_year(request, payload: YearIn):
    year = services.create_year(
        user=request.user,
        year=payload.year,
        region_code=payload.region_code,
        grant_per_year_fen=payload.grant_per_year_fen,
    )
    return Status(201, year_out(year))


@router.get("/years/{int:year_id}", response={200: YearOut, 404: ErrorOut})
def get_year(request, year_id: Id):
    return year_out(selectors.get_year(request.user, year_id))


@router.get("/years/{int:year_id}/veterans", response={200: list[VeteranOut], 404: ErrorOut})
def list_veterans(request, year_id: Id):
    """The ranking: every veteran of the year in rank order."""
    year = selectors.get_office_year(request.user, year_id)
    return [veteran_out(v) for v in selectors.ranking(year)]


@router.post("/years/{int:year_id}/veterans", response={201: VeteranOut, **ERRORS})
def add_veteran(request, year_id: Id, payload: VeteranIn):
    year = selectors.get_office_year(request.user, year_id)
    data = payload.dict()
    data["priority_group"] = data["priority_group"] or ""
    veteran = services.add_veteran(
        user=request.user, year=year, id_number=data.pop("id_number"), data=data
    )
    return Status(201, veteran_out(veteran))


@router.get("/veterans/mine", response={200: list[VeteranOut], 403: ErrorOut})
def my_records(request):
    """The veteran's own placement records (a resident account linked to the person)."""
    if not is_veteran_account(request.user):
        raise PermissionDeniedError(_("只有退役士兵本人的账号可以查看"))
    return [veteran_out(v) for v in selectors.own_veterans(request.user)]


@router.get("/veterans/{int:veteran_id}", response={200: VeteranOut, 404: ErrorOut})
def get_veteran(request, veteran_id: Id):
    if is_veteran_account(request.user):
        return veteran_out(selectors.get_own_veteran(request.user, veteran_id))
    return veteran_out(selectors.get_veteran(request.user, veteran_id))


@router.patch("/veterans/{int:veteran_id}", response={200: VeteranOut, **ERRORS})
def update_veteran(request, veteran_id: Id, payload: RecordIn):
    veteran = selectors.get_veteran(request.user, veteran_id)
    data = payload.dict()
    data["priority_group"] = data["priority_group"] or ""
    return veteran_out(services.update_veteran(user=request.user, veteran=veteran, data=data))


@router.post("/years/{int:year_id}/publish", response={200: YearOut, **ERRORS})
def publish(request, year_id: Id, payload: PublishIn):
    year = selectors.get_office_year(request.user, year_id)
    return year_out(
        services.publish(user=request.user, year=year, start=payload.start, end=payload.end)
    )


@router.post("/years/{int:year_id}/finalise", response={200: YearOut, **ERRORS})
def finalise(request, year_id: Id):
    year = selectors.get_office_year(request.user, year_id)
    return year_out(services.finalise(user=request.user, year=year))


@router.post("/years/{int:year_id}/close", response={200: YearOut, **ERRORS})
def close(request, year_id: Id):
    year = selectors.get_office_year(request.user, year_id)
    return year_out(services.close_year(user=request.user, year=year))


# ---------------------------------------------------------------- objections


@router.post("/veterans/{int:veteran_id}/objections", response={201: ObjectionOut, **ERRORS})
def file_objection(request, veteran_id: Id, payload: RankingObjectionIn):
    if is_veteran_account(request.user):
        veteran = selectors.get_own_veteran(request.user, veteran_id)
    else:
        veteran = selectors.get_veteran(request.user, veteran_id)
    objection = services.file_objection(user=request.user, veteran=veteran, text=payload.text)
    return Status(201, objection_out(objection))


@router.get("/years/{int:year_id}/objections", response={200: list[ObjectionOut], 404: ErrorOut})
def list_objections(request, year_id: Id):
    year = selectors.get_office_year(request.user, year_id)
    return [objection_out(o) for o in selectors.objections_for(request.user, year)]


@router.post("/objections/{int:objection_id}/answer", response={200: ObjectionOut, **ERRORS})
def answer_objection(request, objection_id: Id, payload: AnswerIn):
    objection = selectors.get_objection(request.user, objection_id)
    corrections = (
        {k: v for k, v in payload.corrections.dict().items() if v is not None}
        if payload.corrections
        else {}
    )
    return objection_out(
        services.answer_objection(
            user=request.user,
            objection=objection,
            upheld=payload.upheld,
            answer=payload.answer,
            corrections=corrections,
        )
    )


# ---------------------------------------------------------------- posts


@router.get("/posts", response=list[PostOut])
@paginated(default=100)
def list_posts(request):
    """Posts: an employer sees only its own; the office those of its county."""
    return Listing(selectors.posts_for(request.user).order_by("-year__year", "id"), post_out)


@router.post("/years/{int:year_id}/posts", response={201: PostOut, **ERRORS})
def submit_post(request, year_id: Id, payload: PostIn):
    if not is_employer(request.user):
        raise PermissionDeniedError(_("只有安置接收单位可以发布岗位"))
    year = selectors.get_year(request.user, year_id)
    return Status(
        201, post_out(services.submit_post(user=request.user, year=year, data=payload.dict()))
    )


@router.get("/posts/{int:post_id}", response={200: PostOut, 404: ErrorOut})
def get_post(request, post_id: Id):
    return post_out(selectors.get_post(request.user, post_id))


@router.post("/posts/{int:post_id}/review", response={200: PostOut, **ERRORS})
def review_post(request, post_id: Id, payload: PostReviewIn):
    post = selectors.get_post(request.user, post_id)
    return post_out(
        services.review_post(
            user=request.user, post=post, approve=payload.approve, reason=payload.reason
        )
    )


# ---------------------------------------------------------------- choices and the board


@router.post("/years/{int:year_id}/choices", response={201: VeteranOut, **ERRORS})
def record_choice(request, year_id: Id, payload: ChoiceIn):
    year = selectors.get_office_year(request.user, year_id)
    veteran = selectors.veterans_for(request.user, year).filter(pk=payload.veteran_id).first()
    if veteran is None:
        raise NotFoundOrOutOfScope()
    post = None
    if payload.post_id:
        post = selectors.posts_for(request.user, year).filter(pk=payload.post_id).first()
        if post is None:
            raise ServiceError({"post_id": [_("该岗位不在本年度已审核的岗位中")]})
    chosen = services.record_choice(
        user=request.user,
        veteran=veteran,
        post=post,
        self_employment=payload.self_employment,
        wishes_training=payload.wishes_training,
    )
    return Status(201, veteran_out(chosen))


@router.get("/years/{int:year_id}/board", response={200: BoardOut, 404: ErrorOut})
def board(request, year_id: Id):
    year = selectors.get_office_year(request.user, year_id)
    data = selectors.board(year)
    return {
        "status": year.status,
        "turn": _board_row(data["turn"]) if data["turn"] else None,
        "posts": [
            {"id": p.pk, "unit": p.unit, "name": p.name, "count": p.count, "left": p.left}
            for p in data["posts"]
        ],
        "places_left": data["places_left"],
        "made": [_board_row(v) for v in data["made"]],
        "pending": data["counts"]["pending"],
    }


# ---------------------------------------------------------------- grant and training


@router.post("/veterans/{int:veteran_id}/grant", response={201: SelfEmploymentGrantOut, **ERRORS})
def decide_grant(request, veteran_id: Id):
    veteran = selectors.get_veteran(request.user, veteran_id)
    payable = services.decide_grant(user=request.user, veteran=veteran)
    return Status(
        201,
        {
            "veteran_id": veteran.pk,
            "amount_fen": payable.amount_fen,
            "payable_id": payable.pk,
            "payable_status": payable.status,
        },
    )


@router.post("/years/{int:year_id}/courses", response={201: CourseOut, **ERRORS})
def create_course(request, year_id: Id, payload: CourseIn):
    year = selectors.get_office_year(request.user, year_id)
    course = services.create_course(user=request.user, year=year, data=payload.dict())
    return Status(201, {**{f: getattr(course, f) for f in CourseOut.model_fields}})


@router.post("/courses/{int:course_id}/enrolments", response={201: EnrolmentOut, **ERRORS})
def enrol(request, course_id: Id, payload: EnrolIn):
    course = selectors.get_course(request.user, course_id)
    veteran = selectors.get_veteran(request.user, payload.veteran_id)
    return Status(
        201,
        enrolment_out(
            services.enrol(user=request.user, course=course, veteran=veteran, on=payload.on)
        ),
    )


@router.get(
    "/courses/{int:course_id}/enrolments", response={200: list[EnrolmentOut], 404: ErrorOut}
)
def list_enrolments(request, course_id: Id):
    course = selectors.get_course(request.user, course_id)
    return [enrolment_out(e) for e in course.enrolments.all()]


@router.post("/enrolments/{int:enrolment_id}/attendance", response={200: EnrolmentOut, **ERRORS})
def attendance(request, enrolment_id: Id, payload: AttendanceIn):
    enrolment = selectors.get_enrolment(request.user, enrolment_id)
    services.record_attendance(
        user=request.user, enrolment=enrolment, on=payload.on, present=payload.present
    )
    return enrolment_out(enrolment)


@router.post("/enrolments/{int:enrolment_id}/exam", response={200: EnrolmentOut, **ERRORS})
def exam(request, enrolment_id: Id, payload: ExamIn):
    enrolment = selectors.get_enrolment(request.user, enrolment_id)
    return enrolment_out(
        services.record_exam(
            user=request.user, enrolment=enrolment, result=payload.result, on=payload.on
        )
    )


@router.post("/enrolments/{int:enrolment_id}/outcome", response={200: EnrolmentOut, **ERRORS})
def outcome(request, enrolment_id: Id, payload: OutcomeIn):
    enrolment = selectors.get_enrolment(request.user, enrolment_id)
    return enrolment_out(
        services.record_outcome(
            user=request.user,
            enrolment=enrolment,
            employed=payload.employed,
            employer_name=payload.employer_name,
            on=payload.on,
        )
    )
