"""/api/v1/targets: plans, targets, indicator values, scores, reports and supervision, with the
same scope rules as the pages (values of regions outside the caller's scope read as 404/absent)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from minzheng.core.apitypes import Date, Id, RegionRef
from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.core.pagination import Listing, paginated
from minzheng.core.scope import region_in_scope

from . import indicators, selectors, services
from .models import ReportedValue, SupervisionCase

router = Router(tags=["targets"])


class PlanOut(Schema):
    id: int
    year: int
    title: str
    region: RegionRef
    status: str
    period_start: dt.date
    period_end: dt.date
    report_frequency: str
    pace_tolerance: Decimal


class EvaluationOut(Schema):
    on_date: dt.date
    value: Decimal | None
    attainment: Decimal | None
    expected: Decimal
    status: str
    report_overdue: bool


class TargetOut(Schema):
    id: int
    plan_id: int
    code: str
    title: str
    work_item: int
    section: str
    indicator: str
    comparison: str
    value: Decimal
    unit: str
    deadline: dt.date
    weight: Decimal
    region: RegionRef
    parent_id: int | None
    note: str
    evaluation: EvaluationOut | None = None


class WorkItemOut(Schema):
    number: int
    title: str
    description: str
    responsible: str


class SectionOut(Schema):
    code: str
    title: str
    items: list[WorkItemOut]


class PlanDetailOut(PlanOut):
    source: str
    published_on: dt.date | None
    sections: list[SectionOut]
    targets: list[TargetOut]


class TargetDetailOut(TargetOut):
    history: list[EvaluationOut]
    children: list[TargetOut]


class ScoreOut(Schema):
    region: RegionRef
    # The unit's code for a unit's score (level "unit"), else None (the region's own score).
    unit: str | None = None
    level: str
    on_date: dt.date
    score: Decimal
    rank: int
    rank_of: int
    targets: int
    met: int
    on_track: int
    behind: int
    missed: int
    no_data: int
    anomalies: int
    scored: int
    overdue_reports: int


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    kind: str
    aggregation: str
    pace: str
    period: str
    group: str
    definition: str
    ratio_of: list[str] | None


class ValueOut(Schema):
    indicator: str
    region: RegionRef
    on_date: dt.date
    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    source: str
    complete: bool


class ReportFiguresIn(Schema):
    """A reported figure as filed: a value, or a rate's numerator and denominator. Extended with
    the region here and left as is for a unit's report (units.api)."""

    indicator: str
    as_of: Date
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    note: str = ""


class ReportIn(ReportFiguresIn):
    region: str


class ReportRecordOut(Schema):
    """A reported figure and its review, whoever holds it (see `report_fields`)."""

    id: int
    indicator: str
    as_of: dt.date
    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    status: str
    note: str
    evidence: list[str]
    submitted_by: str | None
    reviewed_by: str | None
    review_note: str


class ReportOut(ReportRecordOut):
    region: RegionRef


class ReportReviewIn(Schema):
    approve: bool
    note: str = ""


class SupervisionCaseOut(Schema):
    id: int
    plan_id: int
    target_id: int | None
    region: RegionRef
    reason: str
    title: str
    detail: str
    opened_on: dt.date
    deadline: dt.date
    owner: str | None
    automatic: bool
    status: str
    closed_on: dt.date | None
    closing_note: str
    notes: list[dict]


class RefreshIn(Schema):
    date: Date | None = None


class JobRef(Schema):
    id: str
    status: str


def _ref(region) -> dict:
    return {"code": region.code, "name": region.name}


def plan_out(plan) -> dict:
    return {
        "id": plan.pk,
        "year": plan.year,
        "title": plan.title,
        "region": _ref(plan.region),
        "status": plan.status,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "report_frequency": plan.report_frequency,
        "pace_tolerance": plan.pace_tolerance,
    }


def evaluation_out(e) -> dict | None:
    if e is None:
        return None
    return {
        "on_date": e.on_date,
        "value": e.value,
        "attainment": e.attainment,
        "expected": e.expected,
        "status": e.status,
        "report_overdue": e.report_overdue,
    }


def target_out(target, evaluation=None) -> dict:
    return {
        "id": target.pk,
        "plan_id": target.plan_id,
        "code": target.code,
        "title": target.title,
        "work_item": target.work_item.number,
        "section": target.work_item.section.code,
        "indicator": target.indicator,
        "comparison": target.comparison,
        "value": target.value,
        "unit": target.unit,
        "deadline": target.deadline,
        "weight": target.weight,
        "region": _ref(target.region),
        "parent_id": target.parent_id,
        "note": target.note,
        "evaluation": evaluation_out(evaluation),
    }


def _latest_evaluations(user, targets, on_date: dt.date | None) -> dict:
    qs = selectors.evaluations_for(user).filter(target__in=[t.pk for t in targets])
    if on_date:
        qs = qs.filter(on_date=on_date)
    latest = {}
    for e in qs.order_by("target_id", "-on_date"):
        latest.setdefault(e.target_id, e)
    return latest


@router.get("/plans", response=list[PlanOut])
def list_plans(request):
    """Plans of the caller's regions and of the units above them."""
    return [plan_out(p) for p in selectors.plans_for(request.user).order_by("-year")]


@router.get("/plans/{int:plan_id}", response=PlanDetailOut)
def get_plan(request, plan_id: Id):
    """A plan with its headings, work items and the targets the caller may see."""
    plan = selectors.get_plan(request.user, plan_id)
    targets = list(selectors.targets_for(request.user, plan).order_by("work_item__number", "id"))
    data = plan_out(plan)
    data.update(
        {
            "source": plan.source,
            "published_on": plan.published_on,
            "sections": [
                {
                    "code": s.code,
                    "title": s.title,
                    "items": [
                        {
                            "number": i.number,
                            "title": i.title,
                            "description": i.description,
                            "responsible": i.responsible,
                        }
                        for i in s.work_items.order_by("number")
                    ],
                }
                for s in plan.sections.order_by("position", "code")
            ],
            "targets": [target_out(t) for t in targets],
        }
    )
    return data


class TargetFilter(Schema):
    region: str = ""
    date: Date | None = None


@router.get("/plans/{int:plan_id}/targets", response=list[TargetOut])
def list_targets(request, plan_id: Id, filters: Query[TargetFilter]):
    """Targets of a plan (optionally of one region), each with its evaluation on `date` (default:
    the latest snapshot) when the region is within the caller's scope."""
    plan = selectors.get_plan(request.user, plan_id)
    qs = selectors.targets_for(request.user, plan)
    if filters.region:
        region = selectors.visible_region(request.user, filters.region)
        qs = qs.filter(region=region)
    targets = list(qs.order_by("work_item__number", "id"))
    latest = _latest_evaluations(request.user, targets, filters.date)
    return [target_out(t, latest.get(t.pk)) for t in targets]


class ScoreFilter(Schema):
    date: Date | None = None
    level: str = ""


@router.get("/plans/{int:plan_id}/scores", response=list[ScoreOut])
def list_scores(request, plan_id: Id, filters: Query[ScoreFilter]):
    """Unit scores and ranks on a snapshot date (default: the latest), within the caller's scope."""
    plan = selectors.get_plan(request.user, plan_id)
    on_date = filters.date or selectors.latest_date(plan)
    qs = selectors.scores_for(request.user).filter(plan=plan, on_date=on_date)
    if filters.level:
        qs = qs.filter(level=filters.level)
    return [
        {
            "region": _ref(s.region),
            "unit": s.org_unit.code if s.org_unit_id else None,
            "level": s.level,
            "on_date": s.on_date,
            "score": s.score,
            "rank": s.rank,
            "rank_of": s.rank_of,
            "targets": s.targets,
            "met": s.met,
            "on_track": s.on_track,
            "behind": s.behind,
            "missed": s.missed,
            "no_data": s.no_data,
            "anomalies": s.anomalies,
            "scored": s.scored,
            "overdue_reports": s.overdue_reports,
        }
        for s in qs.order_by("level", "rank", "region__code")
    ]


@router.get("/plans/{int:plan_id}/dates", response=list[dt.date])
def list_dates(request, plan_id: Id):
    return selectors.snapshot_dates(selectors.get_plan(request.user, plan_id))


@router.get("/{int:target_id}", response=TargetDetailOut)
def get_target(request, target_id: Id):
    """One target, its evaluations over time (for regions within scope) and its split."""
    target = selectors.get_target(request.user, target_id)
    history = list(
        selectors.evaluations_for(request.user).filter(target=target).order_by("on_date")
    )
    children = [
        c
        for c in target.children.select_related("region", "work_item__section").order_by(
            "region__code"
        )
        if region_in_scope(request.user, c.region)
    ]
    data = target_out(target, history[-1] if history else None)
    data["history"] = [evaluation_out(e) for e in history]
    data["children"] = [target_out(c) for c in children]
    return data


def indicator_out(i) -> dict:
    return {
        "code": i.code,
        "name": str(i.name),
        "unit": str(i.unit),
        "kind": i.kind,
        "aggregation": i.aggregation,
        "pace": i.pace,
        "period": i.period,
        "group": str(i.group),
        "definition": str(i.definition),
        "ratio_of": list(i.ratio[:2]) if i.ratio else None,
    }


@router.get("/indicators", response=list[IndicatorOut])
def list_indicators(request):
    """The indicator catalogue with definitions and how each value is obtained."""
    return [indicator_out(i) for i in indicators.all_indicators()]


class ValueFilter(Schema):
    region: str
    date_from: Date | None = None
    date_to: Date | None = None
    children: bool = False


@router.get("/indicators/{code}/values", response=list[ValueOut])
def indicator_values(request, code: str, filters: Query[ValueFilter]):
    """Snapshot values of an indicator for a region (and, with children=true, the units one
    level down that the caller may see), over a date range."""
    if not indicators.exists(code):
        raise NotFoundOrOutOfScope()
    region = selectors.visible_region(request.user, filters.region)
    regions = [region] + (selectors.child_units(request.user, region) if filters.children else [])
    qs = (
        selectors.values_for(request.user)
        .filter(indicator=code, region__in=regions)
        .select_related("region")
    )
    if filters.date_from:
        qs = qs.filter(on_date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(on_date__lte=filters.date_to)
    return [
        {
            "indicator": v.indicator,
            "region": _ref(v.region),
            "on_date": v.on_date,
            "value": v.value,
            "numerator": v.numerator,
            "denominator": v.denominator,
            "source": v.source,
            "complete": v.complete,
        }
        for v in qs.order_by("on_date", "region__code")[:5000]
    ]


def report_fields(r) -> dict:
    """The fields of `ReportRecordOut` of a reported value."""
    return {
        "id": r.pk,
        "indicator": r.indicator,
        "as_of": r.as_of,
        "value": r.value,
        "numerator": r.numerator,
        "denominator": r.denominator,
        "status": r.status,
        "note": r.note,
        "evidence": [e.original_name for e in r.evidence.all()],
        "submitted_by": r.submitted_by.get_username() if r.submitted_by else None,
        "reviewed_by": r.reviewed_by.get_username() if r.reviewed_by else None,
        "review_note": r.review_note,
    }


def report_out(r) -> dict:
    return {**report_fields(r), "region": _ref(r.region)}


class ReportFilter(Schema):
    status: str = ""
    indicator: str = ""


@router.get("/reports", response=list[ReportOut])
@paginated()
def list_reports(request, filters: Query[ReportFilter]):
    qs = selectors.reports_for(request.user).prefetch_related("evidence")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.indicator:
        qs = qs.filter(indicator=filters.indicator)
    return Listing(qs.order_by("-as_of", "-id"), report_out)


@router.post("/reports", response={201: ReportOut})
def submit_report(request, payload: ReportIn):
    """Report a value (evidence goes to POST /reports/{id}/evidence; approval needs at least one file)."""
    region = selectors.visible_region(request.user, payload.region)
    report = services.submit_report(
        user=request.user,
        indicator=payload.indicator,
        region=region,
        as_of=payload.as_of,
        value=payload.value,
        numerator=payload.numerator,
        denominator=payload.denominator,
        note=payload.note,
    )
    return Status(201, report_out(report))


@router.post("/reports/{int:report_id}/evidence", response={201: ReportOut})
def upload_evidence(request, report_id: Id, files: list[UploadedFile] = File(...)):
    report = selectors.get_report(request.user, report_id)
    services.add_evidence(user=request.user, report=report, files=files)
    return Status(201, report_out(ReportedValue.objects.get(pk=report.pk)))


@router.post("/reports/{int:report_id}/review", response=ReportOut)
def review_report(request, report_id: Id, payload: ReportReviewIn):
    """Approve or return a report; only the level above may, and never the person who reported."""
    report = selectors.get_report(request.user, report_id)
    return report_out(
        services.review_report(
            user=request.user, report=report, approve=payload.approve, note=payload.note
        )
    )


def case_out(c) -> dict:
    return {
        "id": c.pk,
        "plan_id": c.plan_id,
        "target_id": c.target_id,
        "region": _ref(c.region),
        "reason": c.reason,
        "title": c.title,
        "detail": c.detail,
        "opened_on": c.opened_on,
        "deadline": c.deadline,
        "owner": c.owner.get_username() if c.owner else None,
        "automatic": c.automatic,
        "status": c.status,
        "closed_on": c.closed_on,
        "closing_note": c.closing_note,
        "notes": [
            {"at": n.at.isoformat(), "author": n.author_name, "text": n.text} for n in c.notes.all()
        ],
    }


class CaseFilter(Schema):
    status: str = ""


@router.get("/supervision", response=list[SupervisionCaseOut])
@paginated()
def list_cases(request, filters: Query[CaseFilter]):
    qs = selectors.cases_for(request.user).prefetch_related("notes")
    if filters.status:
        if filters.status not in SupervisionCase.Status.values:
            raise ServiceError({"status": [_("状态无效")]})
        qs = qs.filter(status=filters.status)
    return Listing(qs.order_by("status", "deadline", "id"), case_out)


@router.get("/supervision/{int:case_id}", response=SupervisionCaseOut)
def get_case(request, case_id: Id):
    return case_out(selectors.get_case(request.user, case_id))


@router.post("/refresh", response={202: JobRef})
def refresh(request, payload: RefreshIn):
    """Queue the snapshot job for a date (default today)."""
    job = services.request_refresh(user=request.user, on_date=payload.date)
    return Status(202, {"id": str(job.pk), "status": job.status})
