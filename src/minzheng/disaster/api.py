"""JSON API of disaster relief, mounted at /api/v1/disaster.

Events with their response level and reports (初报, 续报, 核报: deadlines in deadlines.py, late
reports flagged, overdue ones listed), affected households (one by one, a whole village, or a
file), relief decisions (proposed, approved by the county and then a one-off payable), the public
list, rescue teams with training results, drills and model-community assessments. Records outside
the user's regions read as 404; ID numbers are masked, and names too on the public list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from minzheng.core.apitypes import Date, DateTime, Fen, Id, choice
from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.core.money import yuan_str
from minzheng.core.pagination import Listing, paginated
from minzheng.core.scope import region_in_scope
from minzheng.payments.models import OneOffPayable
from minzheng.people.models import Household, Person
from minzheng.people.selectors import masked_name
from minzheng.regions.models import Region

from . import imports, selectors, services
from .models import (
    AffectedHousehold,
    DisasterEvent,
    DisasterReport,
    DisasterType,
    EventStatus,
    HouseLoss,
    ModelLevel,
    ModelResult,
    ReliefDecision,
    ReliefForm,
    ReliefKind,
    ReportKind,
    ResponseLevel,
)

router = Router(tags=["disaster"])
MAX_UPLOAD = 20 * 1024 * 1024
Count = Field(default=0, ge=0, le=10_000_000)
Small = Field(default=0, ge=0, le=100)


def _region(code: str, field: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ServiceError({field: [_("区划代码不存在")]})
    return region


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


# ---------------------------------------------------------------- schemas


class DisasterEventIn(Schema):
    name: str = Field(min_length=1, max_length=100, description="灾害名称")
    disaster_type: choice(DisasterType.values) = Field(description="灾害类型")
    county: str = Field(min_length=6, max_length=12, description="报灾县区代码")
    areas: list[str] = Field(default_factory=list, max_length=200, description="受灾乡镇（村）代码")
    started_at: DateTime = Field(description="灾害发生时间")
    response_level: choice(["", *ResponseLevel.values]) = Field(
        default="", description="应急响应级别"
    )
    description: str = Field(default="", max_length=2000)


class DisasterLevelIn(Schema):
    level: choice(["", *ResponseLevel.values]) = Field(description="应急响应级别，空为终止响应")
    changed_at: DateTime | None = None
    note: str = Field(default="", max_length=200)


class DisasterEndIn(Schema):
    ended_at: DateTime = Field(description="灾害结束时间")


class DisasterReportIn(Schema):
    kind: choice(ReportKind.values) = Field(description="报告类型")
    covers_on: Date | None = Field(default=None, description="续报所属日期")
    affected_people: int = Count
    evacuated: int = Count
    deaths: int = Count
    missing: int = Count
    houses_collapsed: int = Count
    houses_severe: int = Count
    houses_general: int = Count
    crop_area_ha: Decimal = Field(default=Decimal(0), ge=0, le=10**9, decimal_places=2)
    direct_loss_fen: Fen = 0
    note: str = Field(default="", max_length=500)


class DisasterLevelOut(Schema):
    level: str
    level_label: str
    changed_at: dt.datetime
    note: str


class DisasterReportOut(Schema):
    id: int
    kind: str
    kind_label: str
    covers_on: dt.date
    due_at: dt.datetime
    submitted_at: dt.datetime
    late: bool
    affected_people: int
    evacuated: int
    deaths: int
    missing: int
    houses_collapsed: int
    houses_severe: int
    houses_general: int
    crop_area_ha: str
    direct_loss: str
    mismatches: list[dict]


class DisasterOverdueOut(Schema):
    kind: str
    kind_label: str
    covers_on: dt.date
    due_at: dt.datetime


class DisasterEventOut(Schema):
    id: int
    name: str
    disaster_type: str
    disaster_type_label: str
    county_code: str
    county_name: str
    areas: list[str]
    started_at: dt.datetime
    ended_at: dt.datetime | None
    response_level: str
    response_level_label: str
    status: str
    status_label: str


class DisasterEventDetailOut(DisasterEventOut):
    levels: list[DisasterLevelOut]
    reports: list[DisasterReportOut]
    overdue: list[DisasterOverdueOut]


class DisasterHouseholdIn(Schema):
    household_id: Id
    affected_people: int = Small
    evacuated: int = Small
    deaths: int = Small
    missing: int = Small
    house_loss: choice(HouseLoss.values) = HouseLoss.NONE
    property_loss_fen: Fen = 0
    crop_area_ha: Decimal = Field(default=Decimal(0), ge=0, le=10**5, decimal_places=2)
    need_emergency: bool = False
    need_transitional: bool = False
    need_winter_spring: bool = False
    need_rebuild: bool = False


class DisasterHouseholdPatch(Schema):
    affected_people: int | None = Field(default=None, ge=0, le=100)
    evacuated: int | None = Field(default=None, ge=0, le=100)
    deaths: int | None = Field(default=None, ge=0, le=100)
    missing: int | None = Field(default=None, ge=0, le=100)
    house_loss: choice(HouseLoss.values) | None = None
    property_loss_fen: Fen | None = None
    crop_area_ha: Decimal | None = Field(default=None, ge=0, le=10**5, decimal_places=2)
    need_emergency: bool | None = None
    need_transitional: bool | None = None
    need_winter_spring: bool | None = None
    need_rebuild: bool | None = None


class DisasterVillageIn(Schema):
    village: str = Field(min_length=12, max_length=12, description="村（社区）代码")
    house_loss: choice(HouseLoss.values) = HouseLoss.NONE
    need_emergency: bool = False


class DisasterAffectedOut(Schema):
    id: int
    event_id: int
    household_id: int
    household_number: str
    head_name: str
    head_id_masked: str
    village_code: str
    village_name: str
    affected_people: int
    evacuated: int
    deaths: int
    missing: int
    house_loss: str
    house_loss_label: str
    property_loss: str
    crop_area_ha: str
    needs: list[str]


class DisasterVillageOut(Schema):
    added: int


class DisasterImportErrorOut(Schema):
    row: int
    message: str


class DisasterImportOut(Schema):
    rows: int
    added: int
    rejected: int
    errors: list[DisasterImportErrorOut]


class DisasterDecisionIn(Schema):
    kind: choice(ReliefKind.values) = Field(description="救助类别")
    form: choice(ReliefForm.values) = Field(description="发放方式")
    amount_fen: Fen = Field(description="金额（分）；实物为折价")
    items: str = Field(default="", max_length=200, description="实物明细")


class DisasterRefuseIn(Schema):
    reason: str = Field(min_length=1, max_length=200, description="不予批准理由")


class DisasterDecisionOut(Schema):
    id: int
    affected_id: int
    event_id: int
    household_number: str
    head_name: str
    kind: str
    kind_label: str
    form: str
    form_label: str
    amount_fen: int
    amount: str
    items: str
    status: str
    status_label: str
    decided_on: dt.date | None
    payable_id: int | None
    payable_status: str
    payable_status_label: str


class DisasterHandoverIn(Schema):
    handed_over_on: Date = Field(description="实物发放日期")


class DisasterPublicityIn(Schema):
    township: str = Field(min_length=9, max_length=9, description="乡镇（街道）代码")
    starts_on: Date
    ends_on: Date


class DisasterPublicityRowOut(Schema):
    name: str
    id_masked: str
    village: str
    kind_label: str
    form_label: str
    amount: str
    items: str


class DisasterPublicityOut(Schema):
    id: int
    event_id: int
    event_name: str
    township_code: str
    township_name: str
    starts_on: dt.date
    ends_on: dt.date
    rows: list[DisasterPublicityRowOut]


class DisasterTeamIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    county: str = Field(min_length=6, max_length=6)


class DisasterMemberIn(Schema):
    person_id: Id | None = None
    account_id: Id | None = None
    joined_on: Date | None = None


class DisasterTeamOut(Schema):
    id: int
    name: str
    county_code: str
    county_name: str
    members: list[dict]


class DisasterTrainingIn(Schema):
    held_on: Date
    subject: str = Field(min_length=1, max_length=200)
    results: dict[int, bool] = Field(description="队员编号 -> 是否考核合格")


class DisasterTrainingOut(Schema):
    id: int
    team_id: int
    held_on: dt.date
    subject: str
    trained: int
    passed: int


class DisasterDrillIn(Schema):
    county: str = Field(min_length=6, max_length=6)
    held_on: Date
    title: str = Field(min_length=1, max_length=200)
    meets_standard: bool
    note: str = Field(default="", max_length=500)


class DisasterDrillOut(Schema):
    id: int
    county_code: str
    county_name: str
    held_on: dt.date
    title: str
    meets_standard: bool


class DisasterAssessmentIn(Schema):
    community: str = Field(min_length=12, max_length=12)
    year: int = Field(ge=2000, le=2100)
    level: choice(ModelLevel.values)
    result: choice(ModelResult.values)
    assessed_on: Date


class DisasterAssessmentOut(Schema):
    id: int
    community_code: str
    community_name: str
    year: int
    level: str
    level_label: str
    result: str
    result_label: str
    assessed_on: dt.date


class DisasterEventFilter(Schema):
    status: choice(EventStatus.values) | None = Field(default=None, description="状态")


# ---------------------------------------------------------------- output


def event_out(e: DisasterEvent) -> dict:
    return {
        "id": e.pk,
        "name": e.name,
        "disaster_type": e.disaster_type,
        "disaster_type_label": e.get_disaster_type_display(),
        "county_code": e.county.code,
        "county_name": e.county.name,
        "areas": [a.code for a in e.areas.all()],
        "started_at": e.started_at,
        "ended_at": e.ended_at,
        "response_level": e.response_level,
        "response_level_label": e.get_response_level_display() if e.response_level else "",
        "status": e.status,
        "status_label": e.get_status_display(),
    }


def report_out(r: DisasterReport) -> dict:
    return {
        "id": r.pk,
        "kind": r.kind,
        "kind_label": r.get_kind_display(),
        "covers_on": r.covers_on,
        "due_at": r.due_at,
        "submitted_at": r.submitted_at,
        "late": r.late,
        **{f: getattr(r, f) for f in services.REPORT_FIGURES},
        "crop_area_ha": f"{r.crop_area_ha:.2f}",
        "direct_loss": yuan_str(r.direct_loss_fen),
        "mismatches": r.mismatches or [],
    }


def event_detail_out(e: DisasterEvent) -> dict:
    status = selectors.report_status(e)
    return {
        **event_out(e),
        "levels": [
            {
                "level": c.level,
                "level_label": c.get_level_display() if c.level else _("终止响应"),
                "changed_at": c.changed_at,
                "note": c.note,
            }
            for c in e.levels.all()
        ],
        "reports": [report_out(r) for r in status["reports"]],
        "overdue": [
            {
                "kind": x.kind,
                "kind_label": str(ReportKind(x.kind).label),
                "covers_on": x.covers_on,
                "due_at": x.due_at,
            }
            for x in status["overdue"]
        ],
    }


NEEDS = (
    ("need_emergency", ReliefKind.EMERGENCY),
    ("need_transitional", ReliefKind.TRANSITIONAL),
    ("need_winter_spring", ReliefKind.WINTER_SPRING),
    ("need_rebuild", ReliefKind.REBUILD),
)


def affected_out(a: AffectedHousehold) -> dict:
    head = a.household.head
    return {
        "id": a.pk,
        "event_id": a.event_id,
        "household_id": a.household_id,
        "household_number": a.household.number,
        "head_name": head.name if head else "",
        "head_id_masked": head.id_masked if head else "",
        "village_code": a.region.code,
        "village_name": a.region.name,
        **{f: getattr(a, f) for f in ("affected_people", "evacuated", "deaths", "missing")},
        "house_loss": a.house_loss,
        "house_loss_label": a.get_house_loss_display(),
        "property_loss": yuan_str(a.property_loss_fen),
        "crop_area_ha": f"{a.crop_area_ha:.2f}",
        "needs": [str(kind.label) for field, kind in NEEDS if getattr(a, field)],
    }


def decision_out(d: ReliefDecision) -> dict:
    """`d` comes from selectors.decisions_for, annotated with its one-off payable."""
    head = d.affected.household.head
    payable_status = getattr(d, "payable_status", None) or ""
    return {
        "id": d.pk,
        "affected_id": d.affected_id,
        "event_id": d.affected.event_id,
        "household_number": d.affected.household.number,
        "head_name": head.name if head else "",
        "kind": d.kind,
        "kind_label": d.get_kind_display(),
        "form": d.form,
        "form_label": d.get_form_display(),
        "amount_fen": d.amount_fen,
        "amount": yuan_str(d.amount_fen),
        "items": d.items,
        "status": d.status,
        "status_label": d.get_status_display(),
        "decided_on": d.decided_on,
        "payable_id": getattr(d, "payable_id", None),
        "payable_status": payable_status,
        "payable_status_label": str(OneOffPayable.Status(payable_status).label)
        if payable_status
        else "",
    }


def publicity_row_out(d: ReliefDecision) -> dict:
    head = d.affected.household.head
    return {
        "name": masked_name(head.name, keep_last=True) if head else "",
        "id_masked": head.id_masked if head else "",
        "village": d.region.name,
        "kind_label": d.get_kind_display(),
        "form_label": d.get_form_display(),
        "amount": yuan_str(d.amount_fen),
        "items": d.items,
    }


def publicity_out(p) -> dict:
    return {
        "id": p.pk,
        "event_id": p.event_id,
        "event_name": p.event.name,
        "township_code": p.township.code,
        "township_name": p.township.name,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "rows": [publicity_row_out(d) for d in selectors.publicity_rows(p)],
    }


def team_out(t) -> dict:
    return {
        "id": t.pk,
        "name": t.name,
        "county_code": t.county.code,
        "county_name": t.county.name,
        "members": [
            {"id": m.pk, "name": m.display_name, "joined_on": m.joined_on.isoformat()}
            for m in t.members.select_related("person", "account")
        ],
    }


def training_out(s) -> dict:
    results = list(s.results.values_list("passed", flat=True))
    return {
        "id": s.pk,
        "team_id": s.team_id,
        "held_on": s.held_on,
        "subject": s.subject,
        "trained": len(results),
        "passed": sum(results),
    }


def drill_out(d) -> dict:
    return {
        "id": d.pk,
        "county_code": d.county.code,
        "county_name": d.county.name,
        "held_on": d.held_on,
        "title": d.title,
        "meets_standard": d.meets_standard,
    }


def assessment_out(a) -> dict:
    return {
        "id": a.pk,
        "community_code": a.community.code,
        "community_name": a.community.name,
        "year": a.year,
        "level": a.level,
        "level_label": a.get_level_display(),
        "result": a.result,
        "result_label": a.get_result_display(),
        "assessed_on": a.assessed_on,
    }


# ---------------------------------------------------------------- events and reports


@router.get("/events", response=list[DisasterEventOut])
@paginated(default=50)
def list_events(request, filters: Query[DisasterEventFilter]):
    qs = selectors.events_for(request.user).prefetch_related("areas")
    if filters.status:
        qs = qs.filter(status=filters.status)
    return Listing(qs, event_out)


@router.post("/events", response={201: DisasterEventDetailOut})
def create_event(request, payload: DisasterEventIn):
    event = services.create_event(
        user=request.user,
        name=payload.name,
        disaster_type=payload.disaster_type,
        county=_region(payload.county, "county"),
        areas=[_region(code, "areas") for code in payload.areas],
        started_at=_aware(payload.started_at),
        response_level=payload.response_level,
        description=payload.description,
    )
    return Status(201, event_detail_out(event))


@router.get("/events/{int:event_id}", response=DisasterEventDetailOut)
def get_event(request, event_id: Id):
    return event_detail_out(selectors.get_event(request.user, event_id))


@router.post("/events/{int:event_id}/level", response={200: DisasterEventDetailOut})
def change_level(request, event_id: Id, payload: DisasterLevelIn):
    event = services.change_level(
        user=request.user,
        event_id=event_id,
        level=payload.level,
        changed_at=_aware(payload.changed_at) if payload.changed_at else None,
        note=payload.note,
    )
    return Status(200, event_detail_out(event))


@router.post("/events/{int:event_id}/end", response={200: DisasterEventDetailOut})
def end_event(request, event_id: Id, payload: DisasterEndIn):
    event = services.end_event(
        user=request.user, event_id=event_id, ended_at=_aware(payload.ended_at)
    )
    return Status(200, event_detail_out(event))


@router.post("/events/{int:event_id}/reports", response={201: DisasterReportOut})
def submit_report(request, event_id: Id, payload: DisasterReportIn):
    data = payload.dict()
    report = services.submit_report(user=request.user, event_id=event_id, **data)
    return Status(201, report_out(report))


# ---------------------------------------------------------------- affected households


@router.get("/events/{int:event_id}/households", response=list[DisasterAffectedOut])
@paginated(default=100)
def list_households(request, event_id: Id):
    event = selectors.get_event(request.user, event_id)
    return Listing(selectors.households_for(request.user, event), affected_out)


@router.post("/events/{int:event_id}/households", response={201: DisasterAffectedOut})
def add_household(request, event_id: Id, payload: DisasterHouseholdIn):
    data = payload.dict()
    household = (
        Household.objects.select_related("region").filter(pk=data.pop("household_id")).first()
    )
    if household is None or not region_in_scope(request.user, household.region):
        raise NotFoundOrOutOfScope()
    affected = services.add_affected(
        user=request.user, event_id=event_id, household=household, **data
    )
    return Status(201, affected_out(selectors.get_affected(request.user, affected.pk)))


@router.post("/events/{int:event_id}/households/village", response={200: DisasterVillageOut})
def add_village(request, event_id: Id, payload: DisasterVillageIn):
    added = services.add_village(
        user=request.user,
        event_id=event_id,
        village=_region(payload.village, "village"),
        house_loss=payload.house_loss,
        need_emergency=payload.need_emergency,
    )
    return Status(200, {"added": added})


@router.post("/events/{int:event_id}/households/imports", response={200: DisasterImportOut})
def import_households(request, event_id: Id, file: File[UploadedFile]):
    if file.size is not None and file.size > MAX_UPLOAD:
        raise ServiceError({"file": [_("文件不能超过20MB")]})
    result = imports.import_households(
        user=request.user, event_id=event_id, data=file.read(), name=file.name or ""
    )
    return Status(200, result)


@router.patch("/households/{int:affected_id}", response={200: DisasterAffectedOut})
def update_household(request, affected_id: Id, payload: DisasterHouseholdPatch):
    data = {k: v for k, v in payload.dict().items() if v is not None}
    services.update_affected(user=request.user, affected_id=affected_id, **data)
    return Status(200, affected_out(selectors.get_affected(request.user, affected_id)))


# ---------------------------------------------------------------- decisions and publicity


@router.get("/events/{int:event_id}/decisions", response=list[DisasterDecisionOut])
@paginated(default=100)
def list_decisions(request, event_id: Id):
    event = selectors.get_event(request.user, event_id)
    return Listing(selectors.decisions_for(request.user, event), decision_out)


@router.post("/households/{int:affected_id}/decisions", response={201: DisasterDecisionOut})
def propose_decision(request, affected_id: Id, payload: DisasterDecisionIn):
    decision = services.propose_relief(user=request.user, affected_id=affected_id, **payload.dict())
    return Status(201, decision_out(selectors.get_decision(request.user, decision.pk)))


def _decided(request, decision_id) -> dict:
    return decision_out(selectors.get_decision(request.user, decision_id))


@router.post("/decisions/{int:decision_id}/approve", response={200: DisasterDecisionOut})
def approve_decision(request, decision_id: Id):
    services.decide_relief(user=request.user, decision_id=decision_id, approve=True)
    return Status(200, _decided(request, decision_id))


@router.post("/decisions/{int:decision_id}/refuse", response={200: DisasterDecisionOut})
def refuse_decision(request, decision_id: Id, payload: DisasterRefuseIn):
    services.decide_relief(
        user=request.user, decision_id=decision_id, approve=False, reason=payload.reason
    )
    return Status(200, _decided(request, decision_id))


@router.post("/decisions/{int:decision_id}/handover", response={200: DisasterDecisionOut})
def hand_over_goods(request, decision_id: Id, payload: DisasterHandoverIn):
    services.hand_over_goods(user=request.user, decision_id=decision_id, on=payload.handed_over_on)
    return Status(200, _decided(request, decision_id))


@router.post("/events/{int:event_id}/publicity", response={201: DisasterPublicityOut})
def publish(request, event_id: Id, payload: DisasterPublicityIn):
    publicity = services.publish(
        user=request.user,
        event_id=event_id,
        township=_region(payload.township, "township"),
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )
    return Status(201, publicity_out(publicity))


@router.get("/publicity/{int:publicity_id}", response=DisasterPublicityOut)
def get_publicity(request, publicity_id: Id):
    return publicity_out(selectors.get_publicity(request.user, publicity_id))


# ---------------------------------------------------------------- preparedness


@router.get("/teams", response=list[DisasterTeamOut])
@paginated(default=50)
def list_teams(request):
    return Listing(selectors.teams_for(request.user).select_related("county"), team_out)


@router.post("/teams", response={201: DisasterTeamOut})
def create_team(request, payload: DisasterTeamIn):
    team = services.create_team(
        user=request.user, name=payload.name, county=_region(payload.county, "county")
    )
    return Status(201, team_out(team))


@router.post("/teams/{int:team_id}/members", response={201: DisasterTeamOut})
def add_member(request, team_id: Id, payload: DisasterMemberIn):
    from minzheng.accounts.models import User

    person = account = None
    if payload.person_id is not None:
        person = Person.objects.filter(pk=payload.person_id).select_related("hukou_region").first()
        if person is None:
            raise NotFoundOrOutOfScope()
    if payload.account_id is not None:
        account = User.objects.filter(pk=payload.account_id).select_related("region").first()
        if account is None:
            raise NotFoundOrOutOfScope()
    services.add_member(
        user=request.user,
        team_id=team_id,
        person=person,
        account=account,
        joined_on=payload.joined_on,
    )
    return Status(201, team_out(selectors.get_team(request.user, team_id)))


@router.post("/teams/{int:team_id}/training", response={201: DisasterTrainingOut})
def record_training(request, team_id: Id, payload: DisasterTrainingIn):
    session = services.record_training(
        user=request.user,
        team_id=team_id,
        held_on=payload.held_on,
        subject=payload.subject,
        results=payload.results,
    )
    return Status(201, training_out(session))


@router.get("/drills", response=list[DisasterDrillOut])
@paginated(default=100)
def list_drills(request):
    return Listing(selectors.drills_for(request.user), drill_out)


@router.post("/drills", response={201: DisasterDrillOut})
def record_drill(request, payload: DisasterDrillIn):
    drill = services.record_drill(
        user=request.user,
        county=_region(payload.county, "county"),
        held_on=payload.held_on,
        title=payload.title,
        meets_standard=payload.meets_standard,
        note=payload.note,
    )
    return Status(201, drill_out(drill))


@router.get("/model-communities", response=list[DisasterAssessmentOut])
@paginated(default=100)
def list_assessments(request):
    return Listing(selectors.assessments_for(request.user), assessment_out)


@router.post("/model-communities", response={201: DisasterAssessmentOut})
def record_assessment(request, payload: DisasterAssessmentIn):
    assessment = services.record_assessment(
        user=request.user,
        community=_region(payload.community, "community"),
        year=payload.year,
        level=payload.level,
        result=payload.result,
        assessed_on=payload.assessed_on,
    )
    return Status(201, assessment_out(assessment))
