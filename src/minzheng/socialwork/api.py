"""JSON API of social work, mounted at /api/v1/socialwork: the talent ledger, purchased-service
and three-social-linkage projects with their milestones and acceptance, and public-benefit
venture funding (calls, applications by organisation accounts, reviews, awards). Records outside
the user's regions or role read as 404."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Date, Fen, Id, choice
from minzheng.core.errors import ServiceError
from minzheng.core.pagination import Listing, paginated
from minzheng.people.selectors import masked_name

from . import imports, selectors, services
from .models import (
    FundingSource,
    Level,
    Milestone,
    Project,
    ProjectKind,
    SocialWorker,
    VentureApplication,
    VentureCall,
    VentureCategory,
)
from .permissions import may_keep

router = Router(tags=["social work"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_UPLOAD = 5 * 1024 * 1024

# ---------------------------------------------------------------- ledger


class SwWorkerIn(Schema):
    id_number: str = Field(max_length=18, description="身份证号码（人口库）")
    level: choice(Level.values) = Field(description="职业水平")
    certificate_number: str = Field(default="", max_length=32)
    certificate_year: int | None = Field(default=None, ge=1900, le=2100)
    organisation_id: Id | None = Field(default=None, description="工作单位（已登记的社会组织）")
    employer_name: str = Field(default="", max_length=100, description="工作单位（其他单位）")
    region_code: str = Field(default="", max_length=12, description="工作单位所在地区划代码")
    post: str = Field(max_length=64, description="岗位")


class SwWorkerPatch(Schema):
    level: choice(Level.values)
    certificate_number: str = Field(default="", max_length=32)
    certificate_year: int | None = Field(default=None, ge=1900, le=2100)
    organisation_id: Id | None = None
    employer_name: str = Field(default="", max_length=100)
    region_code: str = Field(default="", max_length=12)
    post: str = Field(max_length=64)


class SwTrainingIn(Schema):
    title: str = Field(max_length=100, description="培训内容")
    hours: int = Field(ge=1, le=200, description="学时")
    on: Date | None = None


class SwTrainingOut(Schema):
    id: int
    on: dt.date
    title: str
    hours: int


class SwWorkerOut(Schema):
    id: int
    person_id: int
    name: str
    level: str
    level_label: str
    certificate_number: str
    certificate_year: int | None
    organisation_id: int | None
    employer_name: str
    region_code: str
    region_name: str
    post: str
    entered_on: dt.date
    trainings: list[SwTrainingOut] | None = None


class SwWorkerFilter(Schema):
    q: str = Field(default="", max_length=32)
    level: choice(Level.values) | None = None
    region_code: str = Field(default="", max_length=12)


class SwImportRowError(Schema):
    row: int
    fields: dict[str, str]
    message: str


class SwImportOut(Schema):
    rows: int
    added: int
    rejected: int
    errors: list[SwImportRowError]


def worker_out(w: SocialWorker, user=None, *, trainings: bool = False) -> dict:
    names = user is None or may_keep(user)
    out = {
        "id": w.pk,
        "person_id": w.person_id,
        "name": w.person.name if names else masked_name(w.person.name),
        "level": w.level,
        "level_label": w.get_level_display(),
        "certificate_number": w.certificate_number,
        "certificate_year": w.certificate_year,
        "organisation_id": w.organisation_id,
        "employer_name": w.employer_name,
        "region_code": w.region.code,
        "region_name": w.region.name,
        "post": w.post,
        "entered_on": w.entered_on,
    }
    if trainings:
        out["trainings"] = [
            {"id": t.pk, "on": t.on, "title": t.title, "hours": t.hours} for t in w.trainings.all()
        ]
    return out


@router.get("/workers", response=list[SwWorkerOut])
@paginated(default=100)
def list_workers(request, filters: Query[SwWorkerFilter]):
    qs = selectors.workers_for(
        request.user,
        query=filters.q.strip(),
        level=filters.level or "",
        region_code=filters.region_code.strip(),
    )
    return Listing(qs, lambda w: worker_out(w, request.user))


@router.post("/workers", response={201: SwWorkerOut, **ERRORS})
def add_worker(request, payload: SwWorkerIn):
    row = services.add_worker(user=request.user, **payload.dict())
    return Status(201, worker_out(row, request.user, trainings=True))


@router.get("/workers/{int:worker_id}", response={200: SwWorkerOut, 404: ErrorOut})
def get_worker(request, worker_id: Id):
    return worker_out(selectors.get_worker(request.user, worker_id), request.user, trainings=True)


@router.patch("/workers/{int:worker_id}", response={200: SwWorkerOut, **ERRORS})
def update_worker(request, worker_id: Id, payload: SwWorkerPatch):
    row = selectors.get_worker(request.user, worker_id)
    row = services.update_worker(user=request.user, worker=row, **payload.dict())
    return worker_out(selectors.get_worker(request.user, row.pk), request.user, trainings=True)


@router.post("/workers/{int:worker_id}/trainings", response={201: SwTrainingOut, **ERRORS})
def add_training(request, worker_id: Id, payload: SwTrainingIn):
    row = selectors.get_worker(request.user, worker_id)
    t = services.add_training(user=request.user, worker=row, **payload.dict())
    return Status(201, {"id": t.pk, "on": t.on, "title": t.title, "hours": t.hours})


@router.post("/workers/imports", response={200: SwImportOut, **ERRORS})
def import_workers(request, file: File[UploadedFile]):
    if file.size is not None and file.size > MAX_UPLOAD:
        raise ServiceError({"file": [_("文件不能超过5MB")]})
    return imports.import_workers(user=request.user, data=file.read(), name=file.name or "")


# ---------------------------------------------------------------- projects


class SwProjectIn(Schema):
    kind: choice([ProjectKind.PURCHASED, ProjectKind.LINKAGE]) = Field(description="项目类型")
    name: str = Field(max_length=100)
    region_code: str = Field(
        default="", max_length=12, description="三社联动：社区区划代码；购买服务：管理员指定购买方"
    )
    organisation_id: Id
    worker_ids: list[Id] = Field(max_length=200)
    service: str = Field(max_length=2000)
    budget_fen: Fen = 0
    starts_on: Date
    ends_on: Date


class SwMilestoneIn(Schema):
    title: str = Field(max_length=100)
    due_on: Date


class SwMilestoneDoneIn(Schema):
    on: Date | None = None
    note: str = Field(default="", max_length=200)


class SwAcceptIn(Schema):
    passed: bool = Field(description="验收结果：合格 / 不合格")
    note: str = Field(max_length=2000, description="验收意见")
    on: Date | None = None


class SwMilestoneOut(Schema):
    id: int
    title: str
    due_on: dt.date
    done_on: dt.date | None
    note: str


class SwProjectOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    region_code: str
    region_name: str
    organisation_id: int
    organisation_name: str
    worker_ids: list[int]
    service: str
    budget_fen: int
    funding_source: str
    starts_on: dt.date
    ends_on: dt.date
    status: str
    status_label: str
    accepted_on: dt.date | None
    acceptance_note: str
    milestones: list[SwMilestoneOut]


class SwProjectFilter(Schema):
    kind: choice(ProjectKind.values) | None = None
    status: choice(["ongoing", "accepted", "failed"]) | None = None


def milestone_out(m: Milestone) -> dict:
    return {"id": m.pk, "title": m.title, "due_on": m.due_on, "done_on": m.done_on, "note": m.note}


def project_out(p: Project) -> dict:
    return {
        "id": p.pk,
        "kind": p.kind,
        "kind_label": p.get_kind_display(),
        "name": p.name,
        "region_code": p.region.code,
        "region_name": p.region.name,
        "organisation_id": p.organisation_id,
        "organisation_name": p.organisation.name,
        "worker_ids": sorted(w.pk for w in p.workers.all()),
        "service": p.service,
        "budget_fen": p.budget_fen,
        "funding_source": p.funding_source,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "status": p.status,
        "status_label": p.get_status_display(),
        "accepted_on": p.accepted_on,
        "acceptance_note": p.acceptance_note,
        "milestones": [milestone_out(m) for m in p.milestones.all()],
    }


@router.get("/projects", response=list[SwProjectOut])
@paginated(default=100)
def list_projects(request, filters: Query[SwProjectFilter]):
    qs = selectors.projects_for(
        request.user, kind=filters.kind or "", status=filters.status or ""
    ).prefetch_related("workers", "milestones")
    return Listing(qs, project_out)


@router.post("/projects", response={201: SwProjectOut, **ERRORS})
def create_project(request, payload: SwProjectIn):
    p = services.create_project(user=request.user, **payload.dict())
    return Status(201, project_out(selectors.get_project(request.user, p.pk)))


@router.get("/projects/{int:project_id}", response={200: SwProjectOut, 404: ErrorOut})
def get_project(request, project_id: Id):
    return project_out(selectors.get_project(request.user, project_id))


@router.post("/projects/{int:project_id}/milestones", response={201: SwMilestoneOut, **ERRORS})
def add_milestone(request, project_id: Id, payload: SwMilestoneIn):
    p = selectors.get_project(request.user, project_id)
    return Status(
        201, milestone_out(services.add_milestone(user=request.user, project=p, **payload.dict()))
    )


@router.post("/milestones/{int:milestone_id}/done", response={200: SwMilestoneOut, **ERRORS})
def complete_milestone(request, milestone_id: Id, payload: SwMilestoneDoneIn):
    return milestone_out(
        services.complete_milestone(user=request.user, milestone_id=milestone_id, **payload.dict())
    )


@router.post("/projects/{int:project_id}/acceptance", response={200: SwProjectOut, **ERRORS})
def accept_project(request, project_id: Id, payload: SwAcceptIn):
    p = selectors.get_project(request.user, project_id)
    services.accept_project(user=request.user, project=p, **payload.dict())
    return project_out(selectors.get_project(request.user, project_id))


# ---------------------------------------------------------------- venture funding


class SwCallIn(Schema):
    name: str = Field(max_length=100)
    year: int = Field(ge=2000, le=2100)
    budget_fen: Fen
    funding_source: choice(FundingSource.values)
    opens_on: Date
    closes_on: Date
    categories: list[choice(VentureCategory.values)] = Field(max_length=10)
    reviewer_ids: list[Id] = Field(max_length=50)
    region_code: str = Field(default="", max_length=12, description="管理员指定主办单位")


class SwCallOut(Schema):
    id: int
    name: str
    region_code: str
    region_name: str
    year: int
    budget_fen: int
    awarded_fen: int
    funding_source: str
    opens_on: dt.date
    closes_on: dt.date
    categories: list[str]
    reviewer_ids: list[int]


class SwApplicationIn(Schema):
    title: str = Field(max_length=100)
    category: choice(VentureCategory.values)
    amount_fen: Fen
    plan: str = Field(max_length=4000)


class SwReviewIn(Schema):
    score: int = Field(ge=0, le=100, description="评分（0–100）")
    comment: str = Field(default="", max_length=500)


class SwAwardIn(Schema):
    amount_fen: Fen
    funding_source: choice(FundingSource.values)
    on: Date | None = None


class SwApplicationOut(Schema):
    id: int
    call_id: int
    organisation_id: int
    organisation_name: str
    title: str
    category: str
    amount_fen: int
    plan: str
    filed_at: dt.datetime
    status: str
    status_label: str
    average_score: float | None
    reviews: int
    awarded_fen: int | None
    awarded_source: str
    awarded_on: dt.date | None
    rank: int | None = None


class SwReviewOut(Schema):
    id: int
    application_id: int
    score: int
    comment: str


def call_out(c: VentureCall) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "region_code": c.region.code,
        "region_name": c.region.name,
        "year": c.year,
        "budget_fen": c.budget_fen,
        "awarded_fen": selectors.awarded_total(c),
        "funding_source": c.funding_source,
        "opens_on": c.opens_on,
        "closes_on": c.closes_on,
        "categories": list(c.categories),
        "reviewer_ids": sorted(u.pk for u in c.reviewers.all()),
    }


def application_out(a: VentureApplication, rank: int | None = None) -> dict:
    average = getattr(a, "average", None)
    if not hasattr(a, "average"):
        scores = [r.score for r in a.reviews.all()]
        average = sum(scores) / len(scores) if scores else None
    return {
        "id": a.pk,
        "call_id": a.call_id,
        "organisation_id": a.organisation_id,
        "organisation_name": a.organisation.name,
        "title": a.title,
        "category": a.category,
        "amount_fen": a.amount_fen,
        "plan": a.plan,
        "filed_at": a.filed_at,
        "status": a.status,
        "status_label": a.get_status_display(),
        "average_score": round(float(average), 2) if average is not None else None,
        "reviews": getattr(a, "scored", None) or a.reviews.count(),
        "awarded_fen": a.awarded_fen,
        "awarded_source": a.awarded_source,
        "awarded_on": a.awarded_on,
        "rank": rank,
    }


@router.get("/calls", response=list[SwCallOut])
@paginated(default=100)
def list_calls(request):
    user = request.user
    qs = selectors.calls_for(user)
    if not qs.exists() and selectors.organisation_of(user) is not None:
        qs = selectors.open_calls()
    return Listing(qs.prefetch_related("reviewers"), call_out)


@router.post("/calls", response={201: SwCallOut, **ERRORS})
def create_call(request, payload: SwCallIn):
    c = services.create_call(user=request.user, **payload.dict())
    return Status(201, call_out(c))


@router.get("/calls/{int:call_id}", response={200: SwCallOut, 404: ErrorOut})
def get_call(request, call_id: Id):
    return call_out(selectors.get_call(request.user, call_id))


@router.get(
    "/calls/{int:call_id}/applications",
    response={200: list[SwApplicationOut], 404: ErrorOut},
)
def call_applications(request, call_id: Id):
    """The call's applications ranked by average score (staff in scope and appointed reviewers)."""
    call = selectors.calls_for(request.user).filter(pk=call_id).first()
    if call is None:
        from minzheng.core.errors import NotFoundOrOutOfScope

        raise NotFoundOrOutOfScope()
    return [application_out(a, i) for i, a in enumerate(selectors.ranking(call), start=1)]


@router.post("/calls/{int:call_id}/applications", response={201: SwApplicationOut, **ERRORS})
def apply(request, call_id: Id, payload: SwApplicationIn):
    call = selectors.get_call(request.user, call_id)
    a = services.apply(user=request.user, call=call, **payload.dict())
    return Status(201, application_out(a))


@router.get("/applications/mine", response=list[SwApplicationOut])
def my_applications(request):
    return [application_out(a) for a in selectors.my_applications(request.user)]


@router.post("/applications/{int:application_id}/reviews", response={201: SwReviewOut, **ERRORS})
def review(request, application_id: Id, payload: SwReviewIn):
    a = selectors.get_application(request.user, application_id)
    r = services.review(user=request.user, application=a, **payload.dict())
    return Status(201, {"id": r.pk, "application_id": a.pk, "score": r.score, "comment": r.comment})


@router.post("/applications/{int:application_id}/award", response={200: SwApplicationOut, **ERRORS})
def award(request, application_id: Id, payload: SwAwardIn):
    a = selectors.get_application(request.user, application_id)
    a = services.award(user=request.user, application=a, **payload.dict())
    return application_out(selectors.get_application(request.user, a.pk))
