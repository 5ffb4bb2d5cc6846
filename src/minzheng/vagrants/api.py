"""JSON API of the relief station, mounted at /api/v1/vagrants.

Intake (the person found in the registry by ID number or name and birth date, else described),
consent or refusal, belongings, extensions beyond the 10-day limit, medical referrals, family
contacts, the exit (a ticket home becomes a one-off payable in fen) and, for minors, schooling
and follow-up visits. Stays outside the user's regions read as 404. Names and stated identities
are masked for roles that need only counts (leaders, county and city sections)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from minzheng.core.apitypes import Date, Fen, Id, choice
from minzheng.core.errors import ServiceError
from minzheng.core.pagination import Listing, paginated
from minzheng.people.selectors import masked_name
from minzheng.regions.models import Region

from . import selectors, services
from .models import Arrival, ContactChannel, ExitKind, SchoolStatus, Sex, Stay
from .permissions import sees_identity

router = Router(tags=["vagrants"])


class StayBelongingIn(Schema):
    description: str = Field(min_length=1, max_length=200, description="物品")
    quantity: int = Field(default=1, ge=1, le=9999, description="数量")


class StayIntakeIn(Schema):
    arrived_on: Date = Field(description="入站日期")
    arrival: choice(Arrival.values) = Field(description="来站方式")
    health_on_arrival: str = Field(min_length=1, max_length=2000, description="入站时健康状况")
    id_number: str = Field(default="", max_length=18, description="身份证号码（可留空）")
    name: str = Field(default="", max_length=64, description="姓名或自报姓名")
    birth_date: Date | None = Field(default=None, description="出生日期（无身份证号码时用于查找）")
    sex: choice(Sex.values) | None = Field(default=None, description="性别（身份未核实时必填）")
    apparent_age: int | None = Field(default=None, ge=0, le=120, description="估计年龄")
    description: str = Field(default="", max_length=2000, description="体貌特征")
    hometown: str = Field(default="", max_length=200, description="自述籍贯或住址")
    region_code: str = Field(default="", max_length=12, description="救助站所在区域（管理员用）")
    belongings: list[StayBelongingIn] = Field(default_factory=list, max_length=100)


class StayConsentIn(Schema):
    consent: bool = Field(description="是否自愿接受救助")
    on: Date | None = Field(default=None, description="确认日期，默认今天")
    note: str = Field(default="", max_length=500, description="说明（拒绝时必填）")
    signed_by: str = Field(default="", max_length=64, description="物品领回签收人")


class StayExtensionIn(Schema):
    new_end_on: Date = Field(description="延长至")
    reason: str = Field(default="", max_length=500, description="延长理由")


class StayReferralIn(Schema):
    hospital: str = Field(max_length=200, description="医院")
    referred_on: Date = Field(description="送医日期")
    result: str = Field(default="", max_length=500, description="救治结果")
    cost_fen: Fen = Field(default=0, description="医疗费用（分）")


class StayContactIn(Schema):
    contacted_on: Date = Field(description="联系日期")
    channel: choice(ContactChannel.values) = Field(description="联系方式")
    result: str = Field(max_length=500, description="联系结果")
    reached: bool = Field(default=False, description="已联系上亲属")


class StayExitIn(Schema):
    kind: choice(ExitKind.values) = Field(description="离站方式")
    exited_on: Date = Field(description="离站日期")
    destination: str = Field(default="", max_length=200, description="去向")
    ticket_fen: Fen = Field(default=0, description="返乡车票费用（分）")
    signed_by: str = Field(default="", max_length=64, description="物品领回签收人")
    note: str = Field(default="", max_length=500, description="说明")


class StaySchoolIn(Schema):
    status: choice([SchoolStatus.BACK, SchoolStatus.NOT_YET, SchoolStatus.NOT_APPLICABLE]) = Field(
        description="返校情况"
    )
    school_name: str = Field(default="", max_length=200, description="就读学校")
    returned_on: Date | None = Field(default=None, description="返校日期")


class StayFollowUpIn(Schema):
    visited_on: Date = Field(description="回访日期")
    result: str = Field(max_length=500, description="回访情况")


class StayFilter(Schema):
    state: choice(Stay.State.values) | None = Field(default=None, description="救助状态")
    due: choice(["over", "near", "over_or_near", "school"]) | None = Field(
        default=None, description="over 超期；near 临近期限；over_or_near 两者；school 待跟踪返校"
    )
    minor: bool | None = Field(default=None, description="是否未成年人")


class StayBelongingOut(Schema):
    id: int
    description: str
    quantity: int
    received_on: dt.date
    returned_on: dt.date | None
    returned_to: str


class StayExtensionOut(Schema):
    id: int
    previous_end_on: dt.date
    new_end_on: dt.date
    reason: str
    decided_by: str


class StayReferralOut(Schema):
    id: int
    hospital: str
    referred_on: dt.date
    result: str
    cost_fen: int


class StayContactOut(Schema):
    id: int
    contacted_on: dt.date
    channel: str
    channel_label: str
    reached: bool
    result: str


class StayFollowUpOut(Schema):
    id: int
    visited_on: dt.date
    result: str


class StayOut(Schema):
    id: int
    number: str
    region_code: str
    identified: bool
    person_id: int | None
    name: str
    id_masked: str
    sex: str
    age_at_arrival: int
    minor: bool
    arrival: str
    arrival_label: str
    arrived_on: dt.date
    state: str
    state_label: str
    ends_on: dt.date
    days_over_limit: int
    exit_kind: str
    exit_label: str
    exited_on: dt.date | None
    destination: str
    ticket_fen: int
    school_status: str
    school_label: str
    school_name: str
    school_returned_on: dt.date | None


class StayDetailOut(StayOut):
    health_on_arrival: str
    description: str
    consent_on: dt.date | None
    consent_note: str
    belongings: list[StayBelongingOut]
    extensions: list[StayExtensionOut]
    referrals: list[StayReferralOut]
    contacts: list[StayContactOut]
    follow_ups: list[StayFollowUpOut]


def stay_out(stay: Stay, user, on: dt.date | None = None) -> dict:
    on = on or timezone.localdate()
    full = sees_identity(user)
    if stay.person_id:
        name, id_masked = stay.person.name, stay.person.id_masked
    else:
        name, id_masked = str(stay.unidentified), stay.unidentified.stated_id_masked
    return {
        "id": stay.pk,
        "number": stay.number,
        "region_code": stay.region.code,
        "identified": stay.person_id is not None,
        "person_id": stay.person_id if full else None,
        "name": name if full else masked_name(name),
        "id_masked": id_masked if full else "",
        "sex": stay.sex,
        "age_at_arrival": stay.age_at_arrival,
        "minor": stay.is_minor,
        "arrival": stay.arrival,
        "arrival_label": stay.get_arrival_display(),
        "arrived_on": stay.arrived_on,
        "state": stay.state,
        "state_label": stay.get_state_display(),
        "ends_on": stay.ends_on,
        "days_over_limit": max(stay.days_over(on), 0) if stay.state == Stay.State.STAYING else 0,
        "exit_kind": stay.exit_kind,
        "exit_label": stay.get_exit_kind_display() if stay.exit_kind else "",
        "exited_on": stay.exited_on,
        "destination": stay.destination if full else "",
        "ticket_fen": stay.ticket_fen,
        "school_status": stay.school_status,
        "school_label": stay.get_school_status_display() if stay.school_status else "",
        "school_name": stay.school_name if full else "",
        "school_returned_on": stay.school_returned_on,
    }


def stay_detail(stay: Stay, user) -> dict:
    full = sees_identity(user)
    data = stay_out(stay, user)
    data.update(
        {
            "health_on_arrival": stay.health_on_arrival if full else "",
            "description": stay.unidentified.description if full and stay.unidentified_id else "",
            "consent_on": stay.consent_on,
            "consent_note": stay.consent_note if full else "",
            "belongings": [
                {
                    "id": b.pk,
                    "description": b.description,
                    "quantity": b.quantity,
                    "received_on": b.received_on,
                    "returned_on": b.returned_on,
                    "returned_to": b.returned_to if full else masked_name(b.returned_to),
                }
                for b in stay.belongings.all()
            ],
            "extensions": [
                {
                    "id": e.pk,
                    "previous_end_on": e.previous_end_on,
                    "new_end_on": e.new_end_on,
                    "reason": e.reason,
                    "decided_by": e.decided_by.get_full_name() or e.decided_by.username
                    if e.decided_by
                    else "",
                }
                for e in stay.extensions.select_related("decided_by")
            ],
            "referrals": [
                {
                    "id": r.pk,
                    "hospital": r.hospital,
                    "referred_on": r.referred_on,
                    "result": r.result if full else "",
                    "cost_fen": r.cost_fen,
                }
                for r in stay.referrals.all()
            ],
            "contacts": [
                {
                    "id": c.pk,
                    "contacted_on": c.contacted_on,
                    "channel": c.channel,
                    "channel_label": c.get_channel_display(),
                    "reached": c.reached,
                    "result": c.result if full else "",
                }
                for c in stay.contacts.all()
            ],
            "follow_ups": [
                {"id": f.pk, "visited_on": f.visited_on, "result": f.result if full else ""}
                for f in stay.follow_ups.all()
            ],
        }
    )
    return data


def _detail(request, stay_id: int) -> dict:
    return stay_detail(selectors.get_stay(request.user, stay_id), request.user)


@router.get("/stays", response=list[StayOut])
@paginated(default=50)
def list_stays(request, filters: Query[StayFilter]):
    qs = selectors.filtered(
        request.user, state=filters.state or "", limit=filters.due or "", minor=filters.minor
    )
    return Listing(qs.order_by("-arrived_on", "-id"), lambda s: stay_out(s, request.user))


@router.post("/stays", response={201: StayDetailOut})
def create_stay(request, payload: StayIntakeIn):
    region = None
    if payload.region_code:
        region = Region.objects.filter(code=payload.region_code).first()
        if region is None:
            raise ServiceError({"region_code": [_("区划代码不存在")]})
    stay = services.register_intake(
        user=request.user,
        region=region,
        arrived_on=payload.arrived_on,
        arrival=payload.arrival,
        health_on_arrival=payload.health_on_arrival,
        id_number=payload.id_number,
        name=payload.name,
        birth_date=payload.birth_date,
        sex=payload.sex or "",
        apparent_age=payload.apparent_age,
        description=payload.description,
        hometown=payload.hometown,
        belongings=[(b.description, b.quantity) for b in payload.belongings],
    )
    return Status(201, stay_detail(stay, request.user))


@router.get("/stays/{int:stay_id}", response=StayDetailOut)
def get_stay(request, stay_id: Id):
    return _detail(request, stay_id)


@router.post("/stays/{int:stay_id}/consent", response=StayDetailOut)
def consent(request, stay_id: Id, payload: StayConsentIn):
    stay = selectors.get_stay(request.user, stay_id)
    services.record_consent(user=request.user, stay=stay, **payload.dict())
    return _detail(request, stay_id)


@router.post("/stays/{int:stay_id}/belongings", response={201: StayDetailOut})
def add_belonging(request, stay_id: Id, payload: StayBelongingIn):
    stay = selectors.get_stay(request.user, stay_id)
    services.add_belonging(user=request.user, stay=stay, **payload.dict())
    return Status(201, _detail(request, stay_id))


@router.post("/stays/{int:stay_id}/extensions", response={201: StayDetailOut})
def extend(request, stay_id: Id, payload: StayExtensionIn):
    stay = selectors.get_stay(request.user, stay_id)
    services.extend(user=request.user, stay=stay, **payload.dict())
    return Status(201, _detail(request, stay_id))


@router.post("/stays/{int:stay_id}/referrals", response={201: StayDetailOut})
def add_referral(request, stay_id: Id, payload: StayReferralIn):
    stay = selectors.get_stay(request.user, stay_id)
    services.add_referral(user=request.user, stay=stay, **payload.dict())
    return Status(201, _detail(request, stay_id))


@router.post("/stays/{int:stay_id}/contacts", response={201: StayDetailOut})
def add_contact(request, stay_id: Id, payload: StayContactIn):
    stay = selectors.get_stay(request.user, stay_id)
    services.add_contact(user=request.user, stay=stay, **payload.dict())
    return Status(201, _detail(request, stay_id))


@router.post("/stays/{int:stay_id}/exit", response=StayDetailOut)
def exit_stay(request, stay_id: Id, payload: StayExitIn):
    stay = selectors.get_stay(request.user, stay_id)
    services.exit_stay(user=request.user, stay=stay, **payload.dict())
    return _detail(request, stay_id)


@router.post("/stays/{int:stay_id}/school", response=StayDetailOut)
def record_school(request, stay_id: Id, payload: StaySchoolIn):
    stay = selectors.get_stay(request.user, stay_id)
    services.record_school(user=request.user, stay=stay, **payload.dict())
    return _detail(request, stay_id)


@router.post("/stays/{int:stay_id}/follow-ups", response={201: StayDetailOut})
def add_follow_up(request, stay_id: Id, payload: StayFollowUpIn):
    stay = selectors.get_stay(request.user, stay_id)
    services.add_follow_up(user=request.user, stay=stay, **payload.dict())
    return Status(201, _detail(request, stay_id))
