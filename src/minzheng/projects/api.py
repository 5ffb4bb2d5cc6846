"""JSON API of key projects, mounted at /api/v1/projects. Reads and writes are scoped to the
account's region subtree (a county its own projects, the city all); a project outside reads 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field

from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Date, Fen, Id, Month, choice
from minzheng.core.pagination import Listing, paginated

from . import selectors, services
from .models import ProjectStatus

router = Router(tags=["projects"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ProjectMilestoneOut(Schema):
    id: int
    title: str
    due_on: dt.date
    done_on: dt.date | None
    overdue: bool


class ProjectReportOut(Schema):
    id: int
    period: str
    investment_fen: int
    progress_pct: Decimal
    narrative: str
    photos: list[int]


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    region_code: str
    region_name: str
    unit_id: int | None
    unit_name: str
    budget_fen: int
    site_area_mu: Decimal
    start_on: dt.date
    planned_completion_on: dt.date
    completed_on: dt.date | None
    accepted_on: dt.date | None
    status: str
    overdue_milestones: int


class ProjectDetailOut(ProjectOut):
    milestones: list[ProjectMilestoneOut]
    reports: list[ProjectReportOut]


def milestone_out(m, today: dt.date) -> dict:
    return {
        "id": m.pk,
        "title": m.title,
        "due_on": m.due_on,
        "done_on": m.done_on,
        "overdue": m.overdue_on(today),
    }


def project_out(p, overdue: int = 0) -> dict:
    return {
        "id": p.pk,
        "code": p.code,
        "name": p.name,
        "region_code": p.region.code,
        "region_name": p.region.name,
        "unit_id": p.unit_id,
        "unit_name": p.unit.name if p.unit else "",
        "budget_fen": p.budget_fen,
        "site_area_mu": p.site_area_mu,
        "start_on": p.start_on,
        "planned_completion_on": p.planned_completion_on,
        "completed_on": p.completed_on,
        "accepted_on": p.accepted_on,
        "status": p.status,
        "overdue_milestones": overdue,
    }


def detail_out(p) -> dict:
    today = timezone.localdate()
    milestones = [milestone_out(m, today) for m in p.milestones.all()]
    reports = [
        {
            "id": r.pk,
            "period": f"{r.period:%Y-%m}",
            "investment_fen": r.investment_fen,
            "progress_pct": r.progress_pct,
            "narrative": r.narrative,
            "photos": [ph.pk for ph in r.photos.all()],
        }
        for r in p.reports.prefetch_related("photos").order_by("period")
    ]
    overdue = sum(1 for m in milestones if m["overdue"])
    return project_out(p, overdue) | {"milestones": milestones, "reports": reports}


@router.get("/", response=list[ProjectOut])
@paginated(default=100)
def list_projects(request):
    projects = selectors.with_overdue(
        selectors.projects_for(request.user), timezone.localdate()
    ).order_by("id")
    return Listing(projects, lambda p: project_out(p, p.overdue))


class ProjectMilestoneIn(Schema):
    title: str = Field(min_length=1, max_length=100)
    due_on: Date


class ProjectIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    region: str = Field(min_length=6, max_length=12, description="区域代码")
    unit_id: Id | None = None
    budget_fen: Fen
    site_area_mu: Decimal = Field(ge=0, le=100000, decimal_places=2)
    start_on: Date
    planned_completion_on: Date
    description: str = Field(default="", max_length=2000)
    milestones: list[ProjectMilestoneIn] = Field(default_factory=list, max_length=50)


@router.post("/", response={201: ProjectDetailOut, **ERRORS})
def create_project(request, payload: ProjectIn):
    project = services.create_project(
        user=request.user,
        name=payload.name,
        region_code=payload.region,
        unit_id=payload.unit_id,
        budget_fen=payload.budget_fen,
        site_area_mu=payload.site_area_mu,
        start_on=payload.start_on,
        planned_completion_on=payload.planned_completion_on,
        description=payload.description,
        milestones=[(m.title, m.due_on) for m in payload.milestones],
    )
    return Status(201, detail_out(project))


@router.get("/{int:project_id}", response={200: ProjectDetailOut, 404: ErrorOut})
def get_project(request, project_id: int):
    return detail_out(selectors.get_project(request.user, project_id))


@router.post("/{int:project_id}/milestones", response={201: ProjectMilestoneOut, **ERRORS})
def add_milestone(request, project_id: int, payload: ProjectMilestoneIn):
    project = selectors.get_project(request.user, project_id)
    m = services.add_milestone(
        user=request.user, project=project, title=payload.title, due_on=payload.due_on
    )
    return Status(201, milestone_out(m, timezone.localdate()))


class ProjectMilestoneDoneIn(Schema):
    done_on: Date


@router.post("/milestones/{int:milestone_id}/done", response={200: ProjectMilestoneOut, **ERRORS})
def milestone_done(request, milestone_id: int, payload: ProjectMilestoneDoneIn):
    milestone = selectors.get_milestone(request.user, milestone_id)
    m = services.complete_milestone(user=request.user, milestone=milestone, done_on=payload.done_on)
    return milestone_out(m, timezone.localdate())


class ProjectReportIn(Schema):
    period: Month
    investment_fen: Fen
    progress_pct: Decimal = Field(ge=0, le=100, decimal_places=2)
    narrative: str = Field(min_length=1, max_length=4000)


@router.post("/{int:project_id}/reports", response={201: ProjectReportOut, **ERRORS})
def report_progress(request, project_id: int, payload: ProjectReportIn):
    """One month's progress (cumulative investment in fen, progress in per cent); photos are
    uploaded on the project's page."""
    project = selectors.get_project(request.user, project_id)
    r = services.report_progress(
        user=request.user,
        project=project,
        period=payload.period,
        investment_fen=payload.investment_fen,
        progress_pct=payload.progress_pct,
        narrative=payload.narrative,
    )
    return Status(
        201,
        {
            "id": r.pk,
            "period": f"{r.period:%Y-%m}",
            "investment_fen": r.investment_fen,
            "progress_pct": r.progress_pct,
            "narrative": r.narrative,
            "photos": [],
        },
    )


class ProjectStatusIn(Schema):
    status: choice([ProjectStatus.CONSTRUCTION, ProjectStatus.COMPLETED, ProjectStatus.ACCEPTED])
    on: Date


@router.post("/{int:project_id}/status", response={200: ProjectDetailOut, **ERRORS})
def change_status(request, project_id: int, payload: ProjectStatusIn):
    project = selectors.get_project(request.user, project_id)
    project = services.change_status(
        user=request.user, project=project, status=payload.status, on=payload.on
    )
    return detail_out(project)
