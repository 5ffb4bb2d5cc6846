"""Quotes: compute eligibility and amount for a described household without saving anything.

Shared by the API and any other interface: checks who may quote and where, turns the validated
input (yuan, ID numbers) into rule facts (fen, ages on the date), resolves the standards in force
and runs the rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from minzheng.core import idcard
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.money import yuan_to_fen
from minzheng.core.scope import region_in_scope
from minzheng.regions.models import Region
from minzheng.regions.selectors import get_region

from . import rules, selectors
from .params import REGISTRY
from .rules.base import (
    Car,
    HouseholdFacts,
    MedicalBill,
    Member,
    Property,
    QuoteResult,
    TemporaryNeed,
)


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def quote_region(user, code: str) -> Region:
    """Staff of any role may quote, inside their own subtree only (elsewhere reads as 404)."""
    if user is None or not user.is_authenticated or not (user.is_superuser or user.is_staff_role):
        raise PermissionDeniedError(_("只有工作人员可以试算救助金额"))
    region = get_region(user, code)
    if not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()
    return region


def _fen(value: Decimal | None) -> int:
    return yuan_to_fen(value or Decimal(0))


def _member(data, index: int, on: dt.date, errors: dict) -> Member | None:
    prefix = f"members.{index}"
    age, sex = data.age, data.sex or ""
    if data.id_number:
        try:
            rid = idcard.parse(data.id_number)
        except idcard.InvalidResidentId as exc:
            errors[f"{prefix}.id_number"] = [str(exc)]
            return None
        if rid.birth_date > on:
            errors[f"{prefix}.id_number"] = [_("出生日期晚于计算日期")]
            return None
        derived_age = age_on(rid.birth_date, on)
        if age is not None and age != derived_age:
            errors[f"{prefix}.age"] = [
                _("年龄与身份证号码不一致（按号码为 %(a)s 周岁）") % {"a": derived_age}
            ]
        if sex and sex != rid.sex:
            errors[f"{prefix}.sex"] = [_("性别与身份证号码不一致")]
        age, sex = derived_age, rid.sex
    elif age is None:
        errors[f"{prefix}.age"] = [_("请填写身份证号码或年龄")]
        return None
    if (data.disability_type is None) != (data.disability_grade is None):
        errors[f"{prefix}.disability_grade"] = [_("残疾类别和残疾等级应同时填写")]
    income = {kind: _fen(amount) for kind, amount in data.income.dict().items()}
    return Member(
        relation=data.relation,
        age=age,
        sex=sex,
        disability_type=data.disability_type or "",
        disability_grade=data.disability_grade,
        serious_illness=data.serious_illness,
        excluded_reason=data.excluded_reason or "",
        self_care_unable=tuple(data.self_care_unable),
        income_fen=income,
        dibao_recipient=data.dibao_recipient,
        tekun_recipient=data.tekun_recipient,
        medical_named=data.medical_named,
        needs_long_term_care=data.needs_long_term_care,
    )


def build_facts(payload) -> HouseholdFacts:
    """Semantic checks the schema cannot express, collected into one ServiceError."""
    errors: dict[str, list[str]] = {}
    members = [_member(m, i, payload.date, errors) for i, m in enumerate(payload.members)]
    if payload.programme == "tekun" and not payload.hukou_type:
        errors["hukou_type"] = [_("特困供养试算须填写户口性质（urban 或 rural）")]
    temporary = None
    if payload.programme == "temporary":
        if payload.temporary is None:
            errors["temporary"] = [_("临时救助试算须填写救助需求")]
        else:
            t = payload.temporary
            temporary = TemporaryNeed(
                kind=t.kind,
                expenditure_fen=_fen(t.expenditure),
                can_bear_fen=_fen(t.can_bear),
                items=tuple((item.label, _fen(item.amount)) for item in t.items),
            )
    medical = None
    if payload.programme == "medical":
        if payload.medical is None:
            errors["medical"] = [_("医疗救助试算须填写医疗费用")]
        else:
            medical = _medical(payload.medical, len(payload.members), errors)
    if errors:
        raise ServiceError(errors)
    prop = payload.property
    return HouseholdFacts(
        members=tuple(members),
        property=Property(
            cars=tuple(
                Car(value_fen=_fen(c.value), disability_vehicle=c.disability_vehicle)
                for c in prop.cars
            ),
            homes=prop.homes,
            non_residential=prop.non_residential,
            business_roles=tuple(prop.business_roles),
            financial_assets_fen=_fen(prop.financial_assets),
        ),
        hukou_type=payload.hukou_type or "",
        extreme_hardship=payload.extreme_hardship,
        dibao_household=payload.dibao_household,
        supporters=tuple(payload.supporters),
        care_mode=payload.care_mode,
        temporary=temporary,
        medical=medical,
    )


def _medical(m, member_count: int, errors: dict) -> MedicalBill | None:
    if m.patient >= member_count:
        errors["medical.patient"] = [_("患者序号超出家庭成员范围")]
    if m.in_policy > m.total:
        errors["medical.in_policy"] = [_("政策范围内费用不能超过费用总额")]
    paid = Decimal(0)
    for field in ("basic_insurance", "critical_illness", "other_insurance"):
        paid += getattr(m, field)
        if paid > m.total:
            errors[f"medical.{field}"] = [_("各项保险报销合计不能超过费用总额")]
            break
    return MedicalBill(
        patient=m.patient,
        total_fen=_fen(m.total),
        in_policy_fen=_fen(m.in_policy),
        basic_insurance_fen=_fen(m.basic_insurance),
        critical_illness_fen=_fen(m.critical_illness),
        other_insurance_fen=_fen(m.other_insurance),
        already_paid_this_year_fen=_fen(m.already_paid_this_year),
    )


def quote(*, user, payload) -> tuple[QuoteResult, Region]:
    region = quote_region(user, payload.region)
    facts = build_facts(payload)
    standards = selectors.all_standards_in_force(region, payload.date)
    try:
        result = rules.evaluate(payload.programme, facts, standards)
    except rules.MissingStandard as missing:
        spec = REGISTRY.get(missing.programme, {}).get(missing.key)
        label = str(spec.label) if spec else missing.key
        raise ServiceError(
            {
                "date": [
                    _("%(date)s 在%(region)s没有生效的“%(label)s”（%(p)s.%(k)s），请先设定救助标准")
                    % {
                        "date": payload.date.isoformat(),
                        "region": region.name,
                        "label": label,
                        "p": missing.programme,
                        "k": missing.key,
                    }
                ]
            }
        ) from None
    return result, region
