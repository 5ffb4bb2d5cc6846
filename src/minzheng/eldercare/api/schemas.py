"""Request bodies and filters of the elderly-care API."""

from __future__ import annotations

from decimal import Decimal

from ninja import Schema
from pydantic import Field

from minzheng.core.apitypes import Date, DateTime, Id, Month, Name, OpenRecord, OptionalMonth, Phone

_money = {"ge": 0, "le": Decimal("100000"), "max_digits": 8, "decimal_places": 2}


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
