"""Pydantic schemas shared by the API routers."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from ninja import Schema
from pydantic import Field

from minzheng.core.apitypes import Date, Id, Name, Phone, RegionRef, choice
from minzheng.people.models import Relation, Sex, UrbanRural

HukouType = choice(UrbanRural.values)


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] | None = None


class RegionOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    urban_rural: str
    parent: RegionRef | None
    members: list[RegionRef] = []
    zones: list[RegionRef] = []
    valid_from: dt.date | None
    valid_to: dt.date | None


class PersonIn(Schema):
    id_number: str = Field(
        min_length=1, max_length=20, description="居民身份证号码（18位，或15位旧号码）"
    )
    name: Name
    hukou_region: str = Field(
        min_length=6, max_length=12, description="户籍地区划代码（村/社区或乡镇）"
    )
    hukou_type: HukouType = Field(description="户口性质：urban 城镇、rural 农村")
    residence_region: str | None = None
    birth_date: Date | None = None
    sex: choice(Sex.values) | None = None
    disability_type: str = ""
    disability_grade: int | None = Field(default=None, ge=1, le=4)
    death_date: Date | None = None
    phone: Phone = ""


class PersonPatch(Schema):
    name: Name | None = None
    hukou_type: HukouType | None = None
    residence_region: str | None = None
    disability_type: str | None = None
    disability_grade: int | None = Field(default=None, ge=1, le=4)
    death_date: Date | None = None
    phone: Phone | None = None


class PersonOut(Schema):
    id: int
    id_number_masked: str
    name: str
    sex: str
    birth_date: dt.date
    age: int
    hukou_region: RegionRef
    hukou_type: str
    residence_region: RegionRef | None
    disability_type: str
    disability_grade: int | None
    death_date: dt.date | None
    household_id: int | None


class RevealedOut(Schema):
    value: str


class MemberIn(Schema):
    person_id: Id
    relation: choice(Relation.values) = Field(description="与户主关系")


class HouseholdIn(Schema):
    region: str = Field(min_length=12, max_length=12, description="村（社区）12位区划代码")
    head_id: Id
    address: str = Field(default="", max_length=200)
    bank_name: str = Field(default="", max_length=64)
    bank_account: str = Field(default="", max_length=40)
    members: list[MemberIn] = []
    since: Date | None = None


class MemberOut(Schema):
    person_id: int
    name: str
    id_number_masked: str
    relation: str
    since: dt.date
    until: dt.date | None


class HouseholdOut(Schema):
    id: int
    number: str
    region: RegionRef
    address: str
    head_id: int | None
    bank_name: str
    bank_account_masked: str
    members: list[MemberOut]


class JobOut(Schema):
    id: UUID
    kind: str
    title: str
    status: str
    done: int
    total: int
    percent: int
    message: str
    result: dict | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    stalled: bool
