"""JSON API of the volunteer registration system, mounted at /api/v1/volunteers. Records outside
the user's regions read as 404; a resident reads and changes only their own registration."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Id, choice
from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.core.pagination import Listing, paginated
from minzheng.people.selectors import masked_name

from . import pdf, selectors, services
from .models import Activity, Availability, ServiceRecord, Skill, Team, Volunteer
from .models import Status as VStatus
from .permissions import names_shown

router = Router(tags=["volunteers"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class VolunteerRegisterIn(Schema):
    id_number: str = Field(default="", max_length=18, description="身份证号码（窗口登记时填写）")
    skills: list[choice(Skill.values)] = Field(description="服务技能")
    area_codes: list[str] = Field(description="服务区域区划代码")
    availability: choice(Availability.values) = Field(description="服务时间")
    phone: str = Field(max_length=20, description="联系电话")


class VolunteerDecisionIn(Schema):
    approve: bool
    reason: str = Field(default="", max_length=500, description="不予注册理由")


class VolunteerReasonIn(Schema):
    reason: str = Field(default="", max_length=500)


class VolunteerOut(Schema):
    id: int
    number: str | None
    name: str
    id_masked: str
    region_code: str
    region_name: str
    status: str
    status_label: str
    channel: str
    skills: list[str]
    area_codes: list[str]
    availability: str
    applied_at: dt.datetime
    decided_at: dt.datetime | None
    approved_on: dt.date | None
    reason: str
    hours: float
    star: int


class VolunteerFilter(Schema):
    status: choice(VStatus.values) | None = None
    q: str = Field(default="", max_length=32)


def volunteer_out(request, v: Volunteer) -> dict:
    named = names_shown(request.user) or v.person_id == request.user.person_id
    return {
        "id": v.pk,
        "number": v.number,
        "name": v.person.name if named else masked_name(v.person.name),
        "id_masked": v.person.id_masked,
        "region_code": v.region.code,
        "region_name": v.region.name,
        "status": v.status,
        "status_label": v.get_status_display(),
        "channel": v.channel,
        "skills": list(v.skills),
        "area_codes": [a.code for a in v.areas.all()],
        "availability": v.availability,
        "applied_at": v.applied_at,
        "decided_at": v.decided_at,
        "approved_on": v.approved_on,
        "reason": v.reason,
        "hours": round(v.total_minutes / 60, 1),
        "star": v.star,
    }


@router.get("/volunteers", response=list[VolunteerOut])
@paginated(default=100)
def list_volunteers(request, filters: Query[VolunteerFilter]):
    qs = selectors.volunteers_for(request.user, status=filters.status or "", query=filters.q)
    return Listing(
        qs.prefetch_related("areas").order_by("-applied_at", "-id"),
        lambda v: volunteer_out(request, v),
    )


@router.post("/volunteers", response={201: VolunteerOut, **ERRORS})
def register(request, payload: VolunteerRegisterIn):
    row = services.register(user=request.user, **payload.dict())
    return Status(201, volunteer_out(request, row))


@router.get("/me", response={200: VolunteerOut, 404: ErrorOut})
def me(request):
    row = selectors.own_volunteer(request.user)
    if row is None:
        raise NotFoundOrOutOfScope()
    return volunteer_out(request, row)


@router.post("/me/leave", response={200: VolunteerOut, **ERRORS})
def leave(request, payload: VolunteerReasonIn):
    return volunteer_out(request, services.leave(user=request.user, reason=payload.reason))


class VolunteerRecordOut(Schema):
    id: int
    source: str
    served_on: dt.date
    minutes: int
    attended: bool
    title: str
    team: str


def record_out(r: ServiceRecord) -> dict:
    return {
        "id": r.pk,
        "source": r.source,
        "served_on": r.served_on,
        "minutes": r.minutes,
        "attended": r.attended,
        "title": r.title,
        "team": r.team.name if r.team_id else "",
    }


@router.get("/me/records", response={200: list[VolunteerRecordOut], 404: ErrorOut})
def my_records(request):
    row = selectors.own_volunteer(request.user)
    if row is None:
        raise NotFoundOrOutOfScope()
    return [record_out(r) for r in selectors.records_of(row)[:500]]


@router.get("/me/certificate", response={200: None, 404: ErrorOut, 409: ErrorOut})
def my_certificate(request):
    row = selectors.own_volunteer(request.user)
    if row is None:
        raise NotFoundOrOutOfScope()
    data, filename = pdf.certificate(
        row, verify_url=request.build_absolute_uri(reverse("volunteers:verify"))
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class VolunteerCertificateOut(Schema):
    number: str = Field(description="验证码（证明上所印）")
    genuine: bool
    name: str = Field(description="志愿者姓名（部分隐去）")
    volunteer_number: str
    hours: str = Field(description="证明所载累计服务时长（小时）")
    star: int
    issued_on: dt.date
    issued_by: str


@router.get(
    "/certificates/{number}",
    auth=None,
    response={200: VolunteerCertificateOut, 404: ErrorOut, 422: ErrorOut},
)
def verify_certificate(request, number: str):
    """Public: a certificate by its verification number; 404 for a number never issued."""
    found = selectors.verified_certificate(number)
    if found is None:
        raise ServiceError(
            {"number": [_("没有该验证码的志愿服务证明，请核对证明上所印的12位验证码")]}, status=404
        )
    return {
        "number": found.code,
        "genuine": True,
        "name": masked_name(found.volunteer.person.name),
        "volunteer_number": found.volunteer.number or "",
        "hours": found.hours,
        "star": found.star,
        "issued_on": found.issued_on,
        "issued_by": found.issued_by_name,
    }


@router.get("/volunteers/{int:volunteer_id}", response={200: VolunteerOut, 404: ErrorOut})
def get_volunteer(request, volunteer_id: Id):
    return volunteer_out(request, selectors.get_volunteer(request.user, volunteer_id))


@router.post("/volunteers/{int:volunteer_id}/decide", response={200: VolunteerOut, **ERRORS})
def decide(request, volunteer_id: Id, payload: VolunteerDecisionIn):
    row = selectors.get_volunteer(request.user, volunteer_id)
    return volunteer_out(
        request,
        services.decide(
            user=request.user, volunteer=row, approve=payload.approve, reason=payload.reason
        ),
    )


@router.post("/volunteers/{int:volunteer_id}/suspend", response={200: VolunteerOut, **ERRORS})
def suspend(request, volunteer_id: Id, payload: VolunteerReasonIn):
    row = selectors.get_volunteer(request.user, volunteer_id)
    return volunteer_out(
        request, services.suspend(user=request.user, volunteer=row, reason=payload.reason)
    )


@router.get(
    "/volunteers/{int:volunteer_id}/records",
    response={200: list[VolunteerRecordOut], 404: ErrorOut},
)
def volunteer_records(request, volunteer_id: Id):
    row = selectors.get_volunteer(request.user, volunteer_id)
    return [record_out(r) for r in selectors.records_of(row)[:500]]


# ---------------------------------------------------------------- teams


class VolunteerTeamIn(Schema):
    name: str = Field(max_length=100)
    region_code: str = Field(max_length=12)
    description: str = Field(default="", max_length=500)
    organisation_id: int | None = None
    provider_id: int | None = None
    leader_number: str = Field(default="", max_length=20)


class VolunteerTeamOut(Schema):
    id: int
    name: str
    region_code: str
    region_name: str
    organisation: str
    provider_id: int | None
    leader_number: str | None
    description: str


def team_out(t: Team) -> dict:
    return {
        "id": t.pk,
        "name": t.name,
        "region_code": t.region.code,
        "region_name": t.region.name,
        "organisation": t.organisation.name if t.organisation_id else "",
        "provider_id": t.provider_id,
        "leader_number": t.leader.number if t.leader_id else None,
        "description": t.description,
    }


class VolunteerMemberOut(Schema):
    id: int
    volunteer_number: str | None
    status: str


class VolunteerMemberDecisionIn(Schema):
    accept: bool


@router.get("/teams", response=list[VolunteerTeamOut])
@paginated(default=100)
def list_teams(request):
    return Listing(selectors.teams_for(request.user).order_by("region__path", "id"), team_out)


@router.post("/teams", response={201: VolunteerTeamOut, **ERRORS})
def create_team(request, payload: VolunteerTeamIn):
    return Status(201, team_out(services.create_team(user=request.user, **payload.dict())))


@router.post("/teams/{int:team_id}/join", response={201: VolunteerMemberOut, **ERRORS})
def join(request, team_id: Id):
    team = selectors.get_team(request.user, team_id)
    m = services.request_join(user=request.user, team=team)
    return Status(201, {"id": m.pk, "volunteer_number": m.volunteer.number, "status": m.status})


@router.post(
    "/teams/{int:team_id}/members/{int:member_id}/decide",
    response={200: VolunteerMemberOut, **ERRORS},
)
def decide_member(request, team_id: Id, member_id: Id, payload: VolunteerMemberDecisionIn):
    team = selectors.get_team(request.user, team_id)
    m = services.decide_member(
        user=request.user, team=team, member_id=member_id, accept=payload.accept
    )
    return {"id": m.pk, "volunteer_number": m.volunteer.number, "status": m.status}


class VolunteerWorkerLinkIn(Schema):
    worker_id: int
    volunteer_number: str = Field(max_length=20)


class VolunteerWorkerLinkOut(Schema):
    worker_id: int
    volunteer_number: str | None


@router.post("/worker-links", response={201: VolunteerWorkerLinkOut, **ERRORS})
def link_worker(request, payload: VolunteerWorkerLinkIn):
    link = services.link_worker(user=request.user, **payload.dict())
    return Status(201, {"worker_id": link.worker_id, "volunteer_number": link.volunteer.number})


# ---------------------------------------------------------------- activities


class VolunteerActivityIn(Schema):
    title: str = Field(max_length=100)
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str = Field(max_length=200)
    region_code: str = Field(max_length=12)
    capacity: int = Field(ge=1, le=1000)
    skills: list[choice(Skill.values)] = Field(default_factory=list)


class VolunteerActivityOut(Schema):
    id: int
    team_id: int
    team: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    region_code: str
    capacity: int
    signed_up: int
    skills: list[str]
    hours_recorded: bool


def activity_out(a: Activity) -> dict:
    return {
        "id": a.pk,
        "team_id": a.team_id,
        "team": a.team.name,
        "title": a.title,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "place": a.place,
        "region_code": a.region.code,
        "capacity": a.capacity,
        "signed_up": a.signed_up,
        "skills": list(a.skills),
        "hours_recorded": a.hours_recorded_at is not None,
    }


class VolunteerSignupOut(Schema):
    id: int
    activity_id: int
    volunteer_number: str | None


class VolunteerHoursEntryIn(Schema):
    signup_id: int
    attended: bool
    minutes: int = Field(default=0, ge=0, le=1440)


class VolunteerHoursIn(Schema):
    entries: list[VolunteerHoursEntryIn]


@router.get("/activities", response=list[VolunteerActivityOut])
@paginated(default=100)
def list_activities(request):
    return Listing(
        selectors.activities_for(request.user).order_by("-starts_at", "-id"), activity_out
    )


@router.post("/teams/{int:team_id}/activities", response={201: VolunteerActivityOut, **ERRORS})
def publish(request, team_id: Id, payload: VolunteerActivityIn):
    team = selectors.get_team(request.user, team_id)
    return Status(
        201, activity_out(services.publish_activity(user=request.user, team=team, **payload.dict()))
    )


@router.post("/activities/{int:activity_id}/signup", response={201: VolunteerSignupOut, **ERRORS})
def signup(request, activity_id: Id):
    activity = selectors.get_activity(request.user, activity_id)
    s = services.sign_up(user=request.user, activity=activity)
    return Status(
        201, {"id": s.pk, "activity_id": s.activity_id, "volunteer_number": s.volunteer.number}
    )


@router.post(
    "/activities/{int:activity_id}/hours", response={200: list[VolunteerRecordOut], **ERRORS}
)
def record_hours(request, activity_id: Id, payload: VolunteerHoursIn):
    activity = selectors.get_activity(request.user, activity_id)
    rows = services.record_hours(
        user=request.user, activity=activity, entries=[e.dict() for e in payload.entries]
    )
    return [record_out(r) for r in rows]
