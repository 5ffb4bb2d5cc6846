"""Pydantic schemas of the assistance API. Money in yuan as decimals with at most two places;
field constraints make bad input a 422 naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from minzheng.core.apitypes import Date
from minzheng.people.models import DisabilityType, Relation

from .params import PROGRAMME_CODES

Yuan = Decimal
_money = {"ge": 0, "le": Decimal("100000000"), "max_digits": 12, "decimal_places": 2}

# Programmes a household applies for (quotes); standards also exist for the elderly-care allowances.
ProgrammeCode = Literal[
    "dibao_urban",
    "dibao_rural",
    "tekun",
    "temporary",
    "medical",
    "disability_living",
    "disability_nursing",
]
AnyProgrammeCode = Literal[PROGRAMME_CODES]
RelationCode = Literal[tuple(Relation.values)]  # type: ignore[valid-type]
DisabilityCode = Literal[tuple(DisabilityType.values)]  # type: ignore[valid-type]
SelfCareItem = Literal[
    "eating", "dressing", "bed_transfer", "toileting", "indoor_walking", "bathing"
]
ExclusionReason = Literal["conscript", "clergy", "prisoner", "compulsory_rehab", "missing"]
BusinessRole = Literal["legal_representative", "shareholder", "self_employed", "employer"]
SupporterStatus = Literal[
    "able", "tekun", "dibao_elderly", "severely_disabled", "incapable", "missing", "imprisoned"
]


class IncomeIn(Schema):
    """Monthly income by type, yuan."""

    wage: Yuan = Field(default=Decimal(0), **_money, description="工资性收入")
    business: Yuan = Field(default=Decimal(0), **_money, description="家庭经营净收入")
    property: Yuan = Field(default=Decimal(0), **_money, description="财产性收入")
    transfer: Yuan = Field(default=Decimal(0), **_money, description="转移性收入")
    support: Yuan = Field(default=Decimal(0), **_money, description="赡养（抚养、扶养）费")
    pension: Yuan = Field(default=Decimal(0), **_money, description="养老金")
    preferential_pension: Yuan = Field(
        default=Decimal(0), **_money, description="优抚对象抚恤金和补助"
    )
    old_age_allowance: Yuan = Field(default=Decimal(0), **_money, description="高龄津贴")
    disability_nursing: Yuan = Field(default=Decimal(0), **_money, description="重度残疾人护理补贴")
    scholarship: Yuan = Field(default=Decimal(0), **_money, description="助学金")
    award: Yuan = Field(default=Decimal(0), **_money, description="政府奖励")
    funeral_grant: Yuan = Field(default=Decimal(0), **_money, description="丧葬补助")


class QuoteMemberIn(Schema):
    relation: RelationCode = Field(description="与户主关系")
    id_number: str | None = Field(
        default=None, max_length=20, description="身份证号码；填写后出生日期和性别由号码得出"
    )
    age: int | None = Field(default=None, ge=0, le=150, description="未填身份证号码时必填：周岁")
    sex: Literal["M", "F"] | None = None
    disability_type: DisabilityCode | None = None
    disability_grade: int | None = Field(default=None, ge=1, le=4)
    serious_illness: bool = False
    excluded_reason: ExclusionReason | None = Field(
        default=None,
        description="不计入家庭成员的原因：义务兵、宗教教职人员、服刑、强制隔离戒毒、失踪",
    )
    self_care_unable: list[SelfCareItem] = Field(
        default_factory=list, max_length=6, description="六项自理能力中不能自理的项目"
    )
    income: IncomeIn = Field(default_factory=IncomeIn, description="月收入（元）")
    dibao_recipient: bool = False
    tekun_recipient: bool = False
    medical_named: bool = Field(default=False, description="县级人民政府确定的其他医疗救助对象")
    needs_long_term_care: bool = True


class CarIn(Schema):
    value: Yuan = Field(**_money)
    disability_vehicle: bool = False


class PropertyIn(Schema):
    cars: list[CarIn] = Field(default_factory=list, max_length=20)
    homes: int = Field(default=0, ge=0, le=100)
    non_residential: int = Field(default=0, ge=0, le=100, description="非居住类房产数")
    business_roles: list[BusinessRole] = Field(default_factory=list, max_length=10)
    financial_assets: Yuan = Field(
        default=Decimal(0), **_money, description="家庭金融资产合计（元）"
    )


class NeedItemIn(Schema):
    label: str = Field(min_length=1, max_length=100)
    amount: Yuan = Field(**_money)


class TemporaryIn(Schema):
    kind: Literal["emergency", "expenditure"]
    expenditure: Yuan = Field(default=Decimal(0), **_money, description="刚性支出（元）")
    can_bear: Yuan = Field(default=Decimal(0), **_money, description="家庭可承担部分（元）")
    items: list[NeedItemIn] = Field(
        default_factory=list, max_length=50, description="逐项列出的需求；填写时按各项之和计"
    )


class MedicalIn(Schema):
    patient: int = Field(default=0, ge=0, description="患者在 members 中的序号")
    total: Yuan = Field(**_money, description="医疗费用总额")
    in_policy: Yuan = Field(**_money, description="政策范围内费用")
    basic_insurance: Yuan = Field(default=Decimal(0), **_money, description="基本医疗保险已报销")
    critical_illness: Yuan = Field(default=Decimal(0), **_money, description="大病保险已报销")
    other_insurance: Yuan = Field(default=Decimal(0), **_money, description="其他补充保险已报销")
    already_paid_this_year: Yuan = Field(
        default=Decimal(0), **_money, description="本年度已获医疗救助"
    )


class QuoteIn(Schema):
    programme: ProgrammeCode
    region: str = Field(min_length=6, max_length=12, description="区划代码")
    date: Date = Field(description="计算日期")
    hukou_type: Literal["urban", "rural"] | None = Field(
        default=None, description="特困供养必填：城镇或农村"
    )
    members: list[QuoteMemberIn] = Field(min_length=1, max_length=30)
    property: PropertyIn = Field(default_factory=PropertyIn)
    extreme_hardship: bool = Field(default=False, description="经认定的特殊困难家庭（按标施保）")
    dibao_household: bool = Field(default=False, description="低保家庭（残疾人生活补贴）")
    supporters: list[SupporterStatus] = Field(
        default_factory=list, max_length=20, description="法定义务人及其状况（特困）"
    )
    care_mode: Literal["centralised", "dispersed"] = "dispersed"
    temporary: TemporaryIn | None = None
    medical: MedicalIn | None = None


class ReasonOut(Schema):
    code: str
    message: str


class TraceOut(Schema):
    step: str
    label: str
    value: str
    detail: dict[str, Any]


class QuoteMemberOut(Schema):
    index: int
    relation: str
    age: int
    covered: bool
    excluded_reason: str
    countable_income: str
    excluded_income: str
    amount: str
    detail: dict[str, Any]


class RegionRefOut(Schema):
    code: str
    name: str


class QuoteOut(Schema):
    programme: str
    programme_name: str
    region: RegionRefOut
    date: dt.date
    eligible: bool
    reasons: list[ReasonOut]
    amount_kind: Literal["monthly", "one_off"]
    monthly_amount: str | None
    one_off_amount: str | None
    members: list[QuoteMemberOut]
    trace: list[TraceOut]
    rule_version: str
    extras: dict[str, Any]


class StandardOut(Schema):
    programme: str
    key: str
    label: str
    unit: str
    unit_label: str
    description: str
    value: str | None
    raw: Any
    region: str | None
    effective_from: dt.date | None
    version: int | None
    standard_id: int | None
    derivation: dict[str, Any] | None
    set_by: str
    reason: str


class StandardsOut(Schema):
    region: RegionRefOut
    on: dt.date
    items: list[StandardOut]


class DeriveIn(Schema):
    statistic: str | None = Field(default=None, max_length=64)
    ratio: Decimal | None = Field(default=None, gt=0, le=100, max_digits=9, decimal_places=4)
    year_offset: int = Field(default=-1, ge=-5, le=0)
    programme: str | None = Field(default=None, max_length=32)
    key: str | None = Field(default=None, max_length=64)
    factor: Decimal | None = Field(default=None, gt=0, le=100, max_digits=9, decimal_places=4)
    rounding: Literal["fen", "yuan", "yuan_up", "ten_yuan_up"] = "fen"


class StandardIn(Schema):
    programme: AnyProgrammeCode
    key: str = Field(min_length=1, max_length=64)
    region: str = Field(min_length=6, max_length=12)
    effective_from: Date
    value: Any = Field(
        default=None, description='金额填元（如 "480.00"），比例填小数，选项填代码列表'
    )
    derive_from: DeriveIn | None = None
    reason: str = Field(min_length=1, max_length=500, description="设定或调整的原因")


class StandardHistoryOut(Schema):
    id: int
    programme: str
    key: str
    region: str
    effective_from: dt.date
    version: int
    value: str | None
    derivation: dict[str, Any] | None
    set_by: str
    reason: str
    created_at: dt.datetime
