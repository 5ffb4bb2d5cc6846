"""JSON API of elderly care, mounted at /api/v1/eldercare.

Records outside the caller's reach read as 404 (a provider sees only its own orders; a resident
only the elderly of their household); a role that may not act gets 403; an action the record's
state does not allow 409; invalid input 422 naming the field. Money is in yuan (strings with two
decimals), months are "YYYY-MM", times ISO 8601.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from minzheng.core.apitypes import Date, DateTime, Id, Month, Name, OpenRecord, OptionalMonth, Phone
from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.core.money import yuan_str, yuan_to_fen
from minzheng.core.pagination import Listing, paginated
from minzheng.payments import months
from minzheng.regions.models import Region
from minzheng.regions.selectors import get_region

from . import ability, allowance, bookings, dashboard, selectors, services
from .models import AllowanceEnrolment, Booking, Institution, ServiceItem

router = Router(tags=["eldercare"])

_money = {"ge": 0, "le": Decimal("100000"), "max_digits": 8, "decimal_places": 2}


# ---------------------------------------------------------------- schemas


class ElderlyItemOut(OpenRecord):
    pass


class EnrolmentItemOut(OpenRecord):
    pass


class BookingItemOut(OpenRecord):
    pass


class ElderlyFilter(Schema):
    q: str = ""
    living: str = ""
    grade: str = ""
    region: str = ""


class ProfileIn(Schema):
    living_situation: str | None = Field(default=None, max_length=16)
    address: str | None = Field(default=None, max_length=200)
    health_record_number: str | None = Field(default=None, max_length=40)
    health_clinic_id: Id | None = None
    health_record_since: Date | None = None
    note: str | None = Field(default=None, max_length=500)


class ContactIn(Schema):
    name: Name
    relation: str = Field(max_length=32)
    phone: Phone


class GradeIn(Schema):
    adl_score: int = Field(description="日常生活活动总分（0–100，5的倍数）")
    mental_score: int | None = Field(default=None, description="精神状态总分（0–6）")
    mental: int | None = Field(default=None, description="或直接给出精神状态分级（0–3）")
    consciousness: int | None = Field(
        default=None, description="意识水平：0 清醒、1 嗜睡、2 昏睡、3 昏迷"
    )
    vision: int | None = Field(default=None, description="视力 0–4")
    hearing: int | None = Field(default=None, description="听力 0–4")
    communication: int | None = Field(default=None, description="沟通交流 0–3")
    perception: int | None = Field(default=None, description="或直接给出感知觉与沟通分级（0–3）")
    social_score: int | None = Field(default=None, description="社会参与总分（0–20）")
    social: int | None = Field(default=None, description="或直接给出社会参与分级（0–3）")
    escalations: list[str] = Field(
        default_factory=list, description="dementia、mental_illness、incidents"
    )


class AssessmentIn(GradeIn):
    assessed_on: Date
    assessors: str = Field(max_length=100, description="两名评估员姓名，以逗号分隔")
    reason: str = Field(default="initial", pattern="^(initial|periodic|change)$")


class MonthIn(Schema):
    month: Month


class EnrolmentConfirmIn(Schema):
    ids: list[Id] = Field(min_length=1, max_length=100000)
    reason: str = Field(default="", max_length=500)


class EldercareReasonIn(Schema):
    reason: str = Field(max_length=500)


class ProviderIn(Schema):
    name: str = Field(max_length=100)
    kind: str
    region: str = Field(min_length=6, max_length=12, description="登记地区划代码")
    service_areas: list[str] = Field(min_length=1, max_length=500, description="服务区域区划代码")
    phone: Phone = ""
    credit_code: str = Field(default="", max_length=18)


class ItemIn(Schema):
    category: str
    name: str = Field(max_length=100)
    unit: str
    price: Decimal = Field(**_money, description="单价（元）")
    minutes_per_unit: int = Field(ge=1, le=1440)


class ItemPatch(Schema):
    price: Decimal | None = Field(default=None, **_money)
    active: bool | None = None


class WorkerIn(Schema):
    name: Name
    phone: Phone = ""


class BookingIn(Schema):
    person_id: Id
    item_id: Id
    scheduled_at: DateTime
    quantity: int = Field(default=1, ge=1, le=12)
    address: str = Field(default="", max_length=200)
    contact_phone: Phone = ""
    note: str = Field(default="", max_length=500)


class BookingFilter(Schema):
    status: str = ""
    provider_id: Id | None = None
    person_id: Id | None = None
    month: OptionalMonth = ""


class DispatchIn(Schema):
    worker_id: Id


class PositionIn(Schema):
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class ReviewIn(Schema):
    release: bool
    note: str = Field(max_length=500)


class ConfirmBookingIn(Schema):
    rating: int = Field(ge=1, le=5)
    feedback: str = Field(default="", max_length=500)


class ComplaintIn(Schema):
    text: str = Field(max_length=1000)


class ResolveIn(Schema):
    upheld: bool
    resolution: str = Field(max_length=1000)


class SettlementIn(Schema):
    provider_id: Id
    month: Month


class InstitutionIn(Schema):
    name: str = Field(max_length=100)
    kind: str
    region: str = Field(min_length=6, max_length=12)
    beds: int = Field(ge=0, le=10000)
    opened_on: Date
    operator_id: Id | None = None
    phone: Phone = ""


class InstitutionPatch(Schema):
    reason: str = Field(max_length=500)
    beds: int | None = Field(default=None, ge=0, le=10000)
    closed_on: Date | None = None


class InspectionIn(Schema):
    inspected_on: Date
    result: str
    inspector: str = Field(max_length=100)
    findings: str = Field(default="", max_length=1000)
    rectify_by: Date | None = None


class AgreementIn(Schema):
    medical_name: str = Field(max_length=100)
    medical_kind: str
    signed_on: Date
    ended_on: Date | None = None
    services: str = Field(default="", max_length=500)


class ResidentIn(Schema):
    person_id: Id
    admitted_on: Date
    bed_label: str = Field(default="", max_length=20)


class AssociationIn(Schema):
    region: str = Field(min_length=12, max_length=12)
    name: str = Field(max_length=100)
    founded_on: Date
    members: int = Field(default=0, ge=0, le=100000)
    chair: str = Field(default="", max_length=64)


# ---------------------------------------------------------------- output


def _grade(grade) -> dict | None:
    if grade is None:
        return None
    return {
        "grade": grade,
        "label": str(ability.GRADE_LABELS[grade]),
        "disability": ability.disability_status(grade),
    }


def elderly_out(p, on: dt.date) -> dict:
    profile = getattr(p, "elderly_profile", None)
    return {
        "id": p.pk,
        "name": p.name,
        "sex": p.sex,
        "birth_date": p.birth_date,
        "age": allowance.age_on(p.birth_date, on),
        "id_masked": p.id_masked,
        "hukou_region": {"code": p.hukou_region.code, "name": p.hukou_region.name},
        "residence_region": {"code": p.residence_region.code, "name": p.residence_region.name}
        if p.residence_region_id
        else None,
        "living_situation": profile.living_situation if profile else "",
        "ability": _grade(getattr(p, "latest_grade", None)),
    }


def _elderly_profile(p):
    try:
        return p.elderly_profile
    except AttributeError:  # RelatedObjectDoesNotExist: no profile yet
        return None


def elderly_detail_out(user, p) -> dict:
    on = timezone.localdate()
    profile = _elderly_profile(p)
    data = elderly_out(p, on)
    data.update(
        {
            "suggested_living_situation": selectors.household_living_situation(p, on),
            "profile": {
                "address": profile.address,
                "health_record_number": profile.health_record_number,
                "health_clinic": {
                    "id": profile.health_clinic_id,
                    "name": profile.health_clinic.name,
                }
                if profile.health_clinic_id
                else None,
                "health_record_since": profile.health_record_since,
                "note": profile.note,
                "contacts": [
                    {"id": c.pk, "name": c.name, "relation": c.relation, "phone": c.phone}
                    for c in profile.contacts.all()
                ],
            }
            if profile
            else None,
            "assessments": [assessment_out(a) for a in selectors.assessments_of(p)[:20]],
            "allowance": [
                enrolment_out(e) for e in allowance.enrolments_for(user).filter(person=p)
            ],
        }
    )
    return data


def assessment_out(a) -> dict:
    return {
        "id": a.pk,
        "assessed_on": a.assessed_on,
        "reason": a.reason,
        "adl_score": a.adl_score,
        "adl_grade": a.adl_grade,
        "mental_score": a.mental_score,
        "mental_grade": a.mental_grade,
        "perception_grade": a.perception_grade,
        "social_score": a.social_score,
        "social_grade": a.social_grade,
        "base_grade": a.base_grade,
        "escalations": a.escalations,
        "ability": _grade(a.grade),
        "assessors": a.assessors,
        "next_due_on": a.next_due_on,
    }


def enrolment_out(e: AllowanceEnrolment) -> dict:
    return {
        "id": e.pk,
        "person": {"id": e.person_id, "name": e.person.name, "birth_date": e.person.birth_date},
        "region": {"code": e.region.code, "name": e.region.name},
        "status": e.status,
        "status_label": e.get_status_display(),
        "eligible_from": months.label(e.eligible_from),
        "proposed_on": e.proposed_on,
        "problem": e.problem,
        "reason": e.reason,
        "entitlement_id": e.entitlement_id,
        "monthly_amount": yuan_str(e.entitlement.monthly_amount_fen) if e.entitlement_id else None,
    }


def provider_out(p) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "kind": p.kind,
        "kind_label": p.get_kind_display(),
        "region": p.region.code,
        "phone": p.phone,
        "active": p.active,
    }


def item_out(i: ServiceItem) -> dict:
    return {
        "id": i.pk,
        "provider_id": i.provider_id,
        "provider": i.provider.name,
        "category": i.category,
        "category_label": i.get_category_display(),
        "name": i.name,
        "unit": i.unit,
        "unit_label": i.get_unit_display(),
        "price": yuan_str(i.price_fen),
        "minutes_per_unit": i.minutes_per_unit,
        "active": i.active,
    }


def booking_out(b: Booking) -> dict:
    return {
        "id": b.pk,
        "number": b.number,
        "status": b.status,
        "status_label": b.get_status_display(),
        "person": {"id": b.person_id, "name": b.person.name},
        "region": {"code": b.region.code, "name": b.region.name},
        "provider": {"id": b.provider_id, "name": b.provider.name},
        "item": {
            "id": b.item_id,
            "name": b.item.name,
            "category": b.item.category,
            "unit": b.item.unit,
        },
        "quantity": b.quantity,
        "scheduled_at": b.scheduled_at,
        "address": b.address,
        "contact_phone": b.contact_phone,
        "note": b.note,
        "channel": b.channel,
        "worker": {"id": b.worker_id, "name": b.worker.name} if b.worker_id else None,
        "checked_in_at": b.checked_in_at,
        "checked_out_at": b.checked_out_at,
        "served_on": b.served_on,
        "gross": yuan_str(b.gross_fen),
        "subsidy": yuan_str(b.subsidy_fen),
        "own_share": yuan_str(b.own_share_fen),
        "subsidy_minutes": b.subsidy_minutes,
        "rating": b.rating,
        "feedback": b.feedback,
        "payable": b.payable,
        "settlement_id": b.settlement_id,
        "actual_minutes": b.actual_minutes,
        "anomalies": [
            {"code": code, "label": str(Booking.ANOMALIES.get(code, code))}
            for code in b.anomalies or []
        ],
        "review": b.review,
        "review_label": b.get_review_display(),
        "review_note": b.review_note,
    }


def settlement_out(s) -> dict:
    return {
        "id": s.pk,
        "provider": {"id": s.provider_id, "name": s.provider.name},
        "month": months.label(s.month),
        "status": s.status,
        "status_label": s.get_status_display(),
        "bookings": s.booking_count,
        "gross": yuan_str(s.gross_fen),
        "subsidy": yuan_str(s.subsidy_fen),
        "own_share": yuan_str(s.own_share_fen),
    }


def institution_out(i: Institution) -> dict:
    return {
        "id": i.pk,
        "name": i.name,
        "kind": i.kind,
        "kind_label": i.get_kind_display(),
        "region": {"code": i.region.code, "name": i.region.name},
        "beds": i.beds,
        "occupied": getattr(i, "occupied", None),
        "opened_on": i.opened_on,
        "closed_on": i.closed_on,
        "has_health_agreement": bool(getattr(i, "linked", 0)),
    }


def _region(user, code: str, field: str) -> Region:
    try:
        return get_region(user, code)
    except NotFoundOrOutOfScope:
        raise ServiceError({field: [_("区划不存在或不在管辖范围内")]}) from None


def _fen(value: Decimal) -> int:
    return yuan_to_fen(str(value))


# ---------------------------------------------------------------- elderly registry


@router.get("/elderly", response=list[ElderlyItemOut])
@paginated()
def list_elderly(request, filters: Query[ElderlyFilter]):
    """People aged 60+ from the population registry in the caller's reach, with living situation
    and latest ability grade."""
    on = timezone.localdate()
    qs = selectors.search_elderly(
        request.user,
        query=filters.q,
        living=filters.living,
        grade=filters.grade,
        region_code=filters.region,
    )
    return Listing(qs, lambda p: elderly_out(p, on))


@router.get("/elderly/{person_id}")
def get_elderly(request, person_id: Id):
    return elderly_detail_out(request.user, selectors.get_elderly(request.user, person_id))


@router.put("/elderly/{person_id}/profile")
def put_profile(request, person_id: Id, payload: ProfileIn):
    person = selectors.get_elderly(request.user, person_id)
    clinic = None
    if payload.health_clinic_id:
        clinic = selectors.providers_for(request.user).filter(pk=payload.health_clinic_id).first()
        if clinic is None:
            raise ServiceError({"health_clinic_id": [_("卫生服务机构不存在")]})
    services.update_profile(
        user=request.user,
        person=person,
        living_situation=payload.living_situation,
        address=payload.address,
        health_record_number=payload.health_record_number,
        health_clinic=clinic,
        health_record_since=payload.health_record_since,
        note=payload.note,
    )
    return elderly_detail_out(request.user, selectors.get_elderly(request.user, person_id))


@router.post("/elderly/{person_id}/contacts", response={201: dict})
def add_contact(request, person_id: Id, payload: ContactIn):
    person = selectors.get_elderly(request.user, person_id)
    c = services.add_contact(
        user=request.user,
        person=person,
        name=payload.name,
        relation=payload.relation,
        phone=payload.phone,
    )
    return Status(201, {"id": c.pk, "name": c.name, "relation": c.relation, "phone": c.phone})


@router.delete("/elderly/{person_id}/contacts/{contact_id}", response={204: None})
def remove_contact(request, person_id: Id, contact_id: Id):
    person = selectors.get_elderly(request.user, person_id)
    profile = selectors.profile_of(person)
    contact = profile.contacts.filter(pk=contact_id).first() if profile else None
    if contact is None:
        raise NotFoundOrOutOfScope()
    services.remove_contact(user=request.user, contact=contact)
    return Status(204, None)


@router.post("/elderly/{person_id}/assessments", response={201: dict})
def create_assessment(request, person_id: Id, payload: AssessmentIn):
    """Record an ability assessment; the grade follows MZ/T 039-2013."""
    person = selectors.get_elderly(request.user, person_id)
    data = payload.dict()
    a = services.record_assessment(user=request.user, person=person, **data)
    return Status(201, assessment_out(a))


@router.get("/elderly/{person_id}/assessments")
def list_assessments(request, person_id: Id):
    return [
        assessment_out(a)
        for a in selectors.assessments_of(selectors.get_elderly(request.user, person_id))
    ]


@router.post("/ability/grade")
def grade(request, payload: GradeIn):
    """The MZ/T 039-2013 grade of the given scores (nothing is saved)."""
    try:
        g = ability.grade_assessment(**payload.dict())
    except ability.InvalidScore as exc:
        raise ServiceError({exc.field: [str(exc.message)]}) from None
    return {
        "adl_grade": g.adl,
        "mental_grade": g.mental,
        "perception_grade": g.perception,
        "social_grade": g.social,
        "base_grade": g.base,
        "escalations": list(g.escalations),
        "coma": g.coma,
        "notes": g.notes,
        "ability": _grade(g.grade),
    }


# ---------------------------------------------------------------- old-age allowance


class EnrolmentFilter(Schema):
    status: str = ""
    region: str = ""


@router.get("/allowance/enrolments", response=list[EnrolmentItemOut])
@paginated()
def list_enrolments(request, filters: Query[EnrolmentFilter]):
    qs = allowance.enrolments_for(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.region:
        qs = qs.filter(region__path__contains=f"{filters.region}/")
    return Listing(qs.order_by("region__code", "id"), enrolment_out)


def _may_run_allowance(user) -> None:
    from minzheng.core.errors import PermissionDeniedError

    if not (
        user.is_superuser
        or (user.role in ("county_approver", "city_section", "admin") and user.can_write)
    ):
        raise PermissionDeniedError(_("只有县级以上业务人员可以运行高龄津贴月度扫描"))


@router.post("/allowance/scan")
def scan(request, payload: MonthIn):
    """Propose everyone reaching the allowance age by the end of the month (idempotent)."""
    _may_run_allowance(request.user)
    return allowance.scan_enrolments(month=months.parse(payload.month))


@router.post("/allowance/reconcile")
def reconcile(request, payload: MonthIn):
    """Bring every live allowance to the month's band and standard before the payroll (idempotent)."""
    _may_run_allowance(request.user)
    return allowance.reconcile_amounts(month=months.parse(payload.month), user=request.user)


@router.post("/allowance/enrolments/confirm")
def confirm_enrolments(request, payload: EnrolmentConfirmIn):
    """The township confirms proposals; each becomes an entitlement the payroll pays."""
    qs = allowance.enrolments_for(request.user).filter(pk__in=payload.ids)
    if not qs.exists():
        raise NotFoundOrOutOfScope()
    return allowance.confirm_enrolments(user=request.user, enrolments=qs, reason=payload.reason)


@router.post("/allowance/enrolments/{enrolment_id}/reject")
def reject_enrolment(request, enrolment_id: Id, payload: EldercareReasonIn):
    e = allowance.reject_enrolment(
        user=request.user,
        enrolment=allowance.get_enrolment(request.user, enrolment_id),
        reason=payload.reason,
    )
    return enrolment_out(e)


@router.post("/allowance/propose/{person_id}", response={201: dict})
def propose(request, person_id: Id):
    person = selectors.get_elderly(request.user, person_id)
    return Status(201, enrolment_out(allowance.propose_enrolment(user=request.user, person=person)))


# ---------------------------------------------------------------- providers


@router.get("/providers")
def list_providers(request):
    return [provider_out(p) for p in selectors.providers_for(request.user)[:500]]


@router.post("/providers", response={201: dict})
def create_provider(request, payload: ProviderIn):
    region = _region(request.user, payload.region, "region")
    p = services.register_provider(
        user=request.user,
        name=payload.name,
        kind=payload.kind,
        region=region,
        service_area_codes=payload.service_areas,
        phone=payload.phone,
        credit_code=payload.credit_code,
    )
    return Status(201, provider_out(p))


@router.get("/providers/{provider_id}")
def get_provider(request, provider_id: Id):
    p = selectors.get_provider(request.user, provider_id)
    return provider_out(p) | {
        "service_areas": [{"code": r.code, "name": r.name} for r in p.service_areas.all()],
        "items": [item_out(i) for i in p.items.all()],
        "workers": [
            {"id": w.pk, "name": w.name, "phone": w.phone, "active": w.active}
            for w in p.workers.all()
        ],
    }


@router.post("/providers/{provider_id}/items", response={201: dict})
def add_item(request, provider_id: Id, payload: ItemIn):
    p = selectors.get_provider(request.user, provider_id)
    i = services.add_service_item(
        user=request.user,
        provider=p,
        category=payload.category,
        name=payload.name,
        unit=payload.unit,
        price_fen=_fen(payload.price),
        minutes_per_unit=payload.minutes_per_unit,
    )
    return Status(201, item_out(i))


@router.patch("/items/{item_id}")
def patch_item(request, item_id: Id, payload: ItemPatch):
    item = (
        ServiceItem.objects.filter(pk=item_id, provider__in=selectors.providers_for(request.user))
        .select_related("provider")
        .first()
    )
    if item is None:
        raise NotFoundOrOutOfScope()
    item = services.update_service_item(
        user=request.user,
        item=item,
        price_fen=_fen(payload.price) if payload.price is not None else None,
        active=payload.active,
    )
    return item_out(item)


@router.post("/providers/{provider_id}/workers", response={201: dict})
def add_worker(request, provider_id: Id, payload: WorkerIn):
    w = services.add_worker(
        user=request.user,
        provider=selectors.get_provider(request.user, provider_id),
        name=payload.name,
        phone=payload.phone,
    )
    return Status(201, {"id": w.pk, "name": w.name, "phone": w.phone, "active": w.active})


@router.get("/catalogue")
def catalogue(request, person_id: Id):
    """The services offered where the elderly person lives, with each provider's prices."""
    person = selectors.get_elderly(request.user, person_id)
    return [
        item_out(i) for i in selectors.catalogue_for(person.residence_region or person.hukou_region)
    ]


# ---------------------------------------------------------------- bookings


@router.post("/bookings", response={201: dict})
def create_booking(request, payload: BookingIn):
    """Book a service for an elderly person (the person, a family member or a community worker)."""
    # By id: the service looks the person up once, through the caller's scope.
    b = bookings.create_booking(
        user=request.user,
        person=payload.person_id,
        item=payload.item_id,
        scheduled_at=payload.scheduled_at,
        quantity=payload.quantity,
        address=payload.address,
        contact_phone=payload.contact_phone,
        note=payload.note,
    )
    return Status(201, booking_out(b))


@router.get("/bookings", response=list[BookingItemOut])
@paginated()
def list_bookings(request, filters: Query[BookingFilter]):
    month = months.parse(filters.month) if filters.month else None
    qs = selectors.search_bookings(
        request.user,
        status=filters.status,
        provider_id=filters.provider_id,
        person_id=filters.person_id,
        month=month,
    )
    return Listing(qs, booking_out)


@router.get("/bookings/{booking_id}")
def get_booking(request, booking_id: Id):
    b = selectors.get_booking(request.user, booking_id)
    return booking_out(b) | {
        "events": [
            {
                "action": e.action,
                "from": e.from_status,
                "to": e.to_status,
                "note": e.note,
                "by": e.by_name,
                "at": e.at,
            }
            for e in b.events.all()
        ],
        "complaints": [
            {"id": c.pk, "text": c.text, "status": c.status, "resolution": c.resolution}
            for c in b.complaints.all()
        ],
        "subsidy_basis": b.subsidy_basis,
    }


def _booking(request, booking_id: Id) -> Booking:
    return selectors.get_booking(request.user, booking_id)


@router.post("/bookings/{booking_id}/accept")
def accept(request, booking_id: Id):
    return booking_out(bookings.accept(user=request.user, booking=_booking(request, booking_id)))


@router.post("/bookings/{booking_id}/decline")
def decline(request, booking_id: Id, payload: EldercareReasonIn):
    return booking_out(
        bookings.decline(
            user=request.user, booking=_booking(request, booking_id), reason=payload.reason
        )
    )


@router.post("/bookings/{booking_id}/dispatch")
def dispatch(request, booking_id: Id, payload: DispatchIn):
    booking = _booking(request, booking_id)
    worker = booking.provider.workers.filter(pk=payload.worker_id).first()
    if worker is None:
        raise ServiceError({"worker_id": [_("请选择本机构在岗的服务人员")]})
    return booking_out(bookings.dispatch(user=request.user, booking=booking, worker=worker))


@router.post("/bookings/{booking_id}/check-in")
def check_in(request, booking_id: Id, payload: PositionIn | None = None):
    """Accepted only within the configured window around the booked time (422 otherwise)."""
    payload = payload or PositionIn()
    return booking_out(
        bookings.check_in(
            user=request.user,
            booking=_booking(request, booking_id),
            latitude=payload.latitude,
            longitude=payload.longitude,
        )
    )


@router.post("/bookings/{booking_id}/check-out")
def check_out(request, booking_id: Id, payload: PositionIn | None = None):
    """Bills by the catalogue unit and the time served; a doubtful service comes back with
    `review` = "held" and its `anomalies`, and stays out of settlement until reviewed."""
    payload = payload or PositionIn()
    return booking_out(
        bookings.check_out(
            user=request.user,
            booking=_booking(request, booking_id),
            latitude=payload.latitude,
            longitude=payload.longitude,
        )
    )


@router.post("/bookings/{booking_id}/review")
def review(request, booking_id: Id, payload: ReviewIn):
    return booking_out(
        bookings.review_booking(
            user=request.user,
            booking=_booking(request, booking_id),
            release=payload.release,
            note=payload.note,
        )
    )


@router.post("/bookings/{booking_id}/confirm")
def confirm(request, booking_id: Id, payload: ConfirmBookingIn):
    return booking_out(
        bookings.confirm(
            user=request.user,
            booking=_booking(request, booking_id),
            rating=payload.rating,
            feedback=payload.feedback,
        )
    )


@router.post("/bookings/{booking_id}/cancel")
def cancel(request, booking_id: Id, payload: EldercareReasonIn):
    return booking_out(
        bookings.cancel(
            user=request.user, booking=_booking(request, booking_id), reason=payload.reason
        )
    )


@router.post("/bookings/{booking_id}/no-show")
def no_show(request, booking_id: Id, payload: EldercareReasonIn):
    return booking_out(
        bookings.no_show(
            user=request.user, booking=_booking(request, booking_id), reason=payload.reason
        )
    )


@router.post("/bookings/{booking_id}/complaints", response={201: dict})
def complain(request, booking_id: Id, payload: ComplaintIn):
    c = bookings.file_complaint(
        user=request.user, booking=_booking(request, booking_id), text=payload.text
    )
    return Status(201, {"id": c.pk, "status": c.status})


@router.post("/complaints/{complaint_id}/resolve")
def resolve(request, complaint_id: Id, payload: ResolveIn):
    from .models import Complaint

    complaint = (
        Complaint.objects.filter(pk=complaint_id, booking__in=selectors.bookings_for(request.user))
        .select_related("booking")
        .first()
    )
    if complaint is None:
        raise NotFoundOrOutOfScope()
    c = bookings.resolve_complaint(
        user=request.user, complaint=complaint, upheld=payload.upheld, resolution=payload.resolution
    )
    return {"id": c.pk, "status": c.status, "resolution": c.resolution}


@router.get("/board")
def board(request):
    """A provider's open orders by status."""
    if selectors.provider_of(request.user) is None:
        raise NotFoundOrOutOfScope()
    return {
        status: [booking_out(b) for b in items]
        for status, items in selectors.board_for(request.user).items()
    }


# ---------------------------------------------------------------- settlements


@router.get("/settlements")
def list_settlements(request):
    return [settlement_out(s) for s in selectors.settlements_for(request.user)[:500]]


@router.post("/settlements")
def build_settlement(request, payload: SettlementIn):
    provider = selectors.get_provider(request.user, payload.provider_id)
    return settlement_out(
        bookings.build_settlement(
            user=request.user, provider=provider, month=months.parse(payload.month)
        )
    )


@router.get("/settlements/{settlement_id}")
def get_settlement(request, settlement_id: Id):
    s = selectors.get_settlement(request.user, settlement_id)
    return settlement_out(s) | {
        "lines": [
            booking_out(b)
            for b in s.bookings.select_related("person", "region", "provider", "item", "worker")
        ]
    }


@router.post("/settlements/{settlement_id}/approve")
def approve_settlement(request, settlement_id: Id):
    return settlement_out(
        bookings.approve_settlement(
            user=request.user, settlement=selectors.get_settlement(request.user, settlement_id)
        )
    )


@router.post("/settlements/{settlement_id}/export")
def export_settlement(request, settlement_id: Id):
    content, name = bookings.export_settlement(
        user=request.user, settlement=selectors.get_settlement(request.user, settlement_id)
    )
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ---------------------------------------------------------------- institutions and associations


@router.get("/institutions")
def list_institutions(request, kind: str = ""):
    qs = selectors.institutions_for(request.user)
    if kind:
        qs = qs.filter(kind=kind)
    return [
        institution_out(i)
        for i in dashboard.with_occupancy(qs.order_by("region__code", "id"))[:1000]
    ]


@router.post("/institutions", response={201: dict})
def create_institution(request, payload: InstitutionIn):
    region = _region(request.user, payload.region, "region")
    operator = (
        selectors.providers_for(request.user).filter(pk=payload.operator_id).first()
        if payload.operator_id
        else None
    )
    i = services.register_institution(
        user=request.user,
        name=payload.name,
        kind=payload.kind,
        region=region,
        beds=payload.beds,
        opened_on=payload.opened_on,
        operator=operator,
        phone=payload.phone,
    )
    return Status(201, institution_out(i))


@router.get("/institutions/{institution_id}")
def get_institution(request, institution_id: Id):
    i = dashboard.with_occupancy(
        selectors.institutions_for(request.user).filter(pk=institution_id)
    ).first()
    if i is None:
        raise NotFoundOrOutOfScope()
    return institution_out(i) | {
        "residents": [
            {
                "id": r.pk,
                "person_id": r.person_id,
                "name": r.person.name,
                "admitted_on": r.admitted_on,
                "bed": r.bed_label,
            }
            for r in i.residencies.filter(left_on__isnull=True).select_related("person")
        ],
        "inspections": [
            {
                "id": x.pk,
                "inspected_on": x.inspected_on,
                "result": x.result,
                "findings": x.findings,
                "rectify_by": x.rectify_by,
            }
            for x in i.inspections.all()
        ],
        "health_agreements": [
            {
                "id": a.pk,
                "medical_name": a.medical_name,
                "medical_kind": a.medical_kind,
                "signed_on": a.signed_on,
                "ended_on": a.ended_on,
            }
            for a in i.health_agreements.all()
        ],
    }


@router.patch("/institutions/{institution_id}")
def patch_institution(request, institution_id: Id, payload: InstitutionPatch):
    i = services.update_institution(
        user=request.user,
        institution=selectors.get_institution(request.user, institution_id),
        reason=payload.reason,
        beds=payload.beds,
        closed_on=payload.closed_on,
    )
    return institution_out(i)


@router.post("/institutions/{institution_id}/inspections", response={201: dict})
def add_inspection(request, institution_id: Id, payload: InspectionIn):
    x = services.record_inspection(
        user=request.user,
        institution=selectors.get_institution(request.user, institution_id),
        **payload.dict(),
    )
    return Status(201, {"id": x.pk, "result": x.result})


@router.post("/institutions/{institution_id}/health-agreements", response={201: dict})
def add_agreement(request, institution_id: Id, payload: AgreementIn):
    a = services.record_health_agreement(
        user=request.user,
        institution=selectors.get_institution(request.user, institution_id),
        **payload.dict(),
    )
    return Status(201, {"id": a.pk, "medical_name": a.medical_name})


@router.post("/institutions/{institution_id}/residents", response={201: dict})
def admit(request, institution_id: Id, payload: ResidentIn):
    from minzheng.people.selectors import get_person

    institution = selectors.get_institution(request.user, institution_id)
    r = services.admit_resident(
        user=request.user,
        institution=institution,
        person=get_person(request.user, payload.person_id),
        admitted_on=payload.admitted_on,
        bed_label=payload.bed_label,
    )
    return Status(201, {"id": r.pk, "person_id": r.person_id})


@router.get("/associations")
def list_associations(request):
    return [
        {
            "id": a.pk,
            "name": a.name,
            "region": {"code": a.region.code, "name": a.region.name},
            "founded_on": a.founded_on,
            "dissolved_on": a.dissolved_on,
            "members": a.members,
        }
        for a in selectors.associations_for(request.user)[:2000]
    ]


@router.post("/associations", response={201: dict})
def create_association(request, payload: AssociationIn):
    region = _region(request.user, payload.region, "region")
    a = services.register_association(
        user=request.user,
        region=region,
        name=payload.name,
        founded_on=payload.founded_on,
        members=payload.members,
        chair=payload.chair,
    )
    return Status(201, {"id": a.pk, "name": a.name})


@router.get("/indicators")
def indicators(request, on: Date | None = None):
    """The plan's elderly-care indicators for the caller's region, computed from the records."""
    if not selectors.is_staff(request.user):
        raise NotFoundOrOutOfScope()
    data = dashboard.dashboard_for(request.user, on or timezone.localdate())
    region = data.pop("region", None)
    return {
        "region": {"code": region.code, "name": region.name} if region else None,
        **{
            k: (str(v) if isinstance(v, Decimal) else v)
            for k, v in data.items()
            if k != "health_links"
        },
        "health_links": [
            {"label": str(label), "percent": str(v) if v is not None else None}
            for label, v in data.get("health_links", [])
        ],
    }
