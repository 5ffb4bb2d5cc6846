"""Disability subsidies (国发〔2015〕52号, from 2016-01-01).

Living subsidy (困难残疾人生活补贴): each disabled member of a 低保 household whose grade is
within the parameter. Nursing subsidy (重度残疾人护理补贴): each member with disability grade 1–2
(the parameter) who needs long-term care, by grade; intellectual and mental disability grade 3–4
when the region has added them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from minzheng.core.money import yuan_str

from .base import Context, HouseholdFacts, MemberResult, QuoteResult, Standards

LIVING_RULE_VERSION = "disability-living-2016.1"
NURSING_RULE_VERSION = "disability-nursing-2016.1"
NURSING_AMOUNT_KEYS = {
    1: "amount_grade_1",
    2: "amount_grade_2",
    3: "amount_grade_3_4",
    4: "amount_grade_3_4",
}


def _members(facts: HouseholdFacts) -> list[MemberResult]:
    return [
        MemberResult(
            index=i,
            relation=m.relation,
            age=m.age,
            covered=m.covered,
            excluded_reason=m.excluded_reason,
        )
        for i, m in enumerate(facts.members)
    ]


def evaluate_living(facts: HouseholdFacts, standards: Standards) -> QuoteResult:
    ctx = Context("disability_living", standards)
    members = _members(facts)
    ctx.step("dibao_household", _("低保家庭"), facts.dibao_household)
    if not facts.dibao_household:
        ctx.fail("not_dibao_household", _("生活补贴限于低保家庭中的残疾人"))
    max_grade = ctx.value("max_grade")
    amount = ctx.value("amount")
    total = 0
    for index, member in facts.covered():
        qualifies = member.disability_grade is not None and member.disability_grade <= max_grade
        ctx.step(
            "member",
            _("第%(n)s名成员持证残疾且等级符合") % {"n": index + 1},
            qualifies,
            member=index,
            disability_type=member.disability_type,
            disability_grade=member.disability_grade,
            max_grade=max_grade,
        )
        if qualifies and facts.dibao_household:
            members[index].amount_fen = amount
            members[index].detail = {"disability_grade": member.disability_grade}
            total += amount
    if facts.dibao_household and not total:
        ctx.fail("no_disabled_member", _("家庭中没有符合条件的残疾人"))
    ctx.step("total", _("月生活补贴合计"), yuan_str(total))
    return QuoteResult(
        programme="disability_living",
        eligible=not ctx.failed,
        reasons=ctx.reasons,
        monthly_amount_fen=total,
        one_off_amount_fen=None,
        members=members,
        trace=ctx.trace,
        rule_version=LIVING_RULE_VERSION,
    )


def evaluate_nursing(facts: HouseholdFacts, standards: Standards) -> QuoteResult:
    ctx = Context("disability_nursing", standards)
    members = _members(facts)
    max_grade = ctx.value("max_grade")
    include_3_4 = ctx.value("include_intellectual_mental_3_4")
    total = 0
    for index, member in facts.covered():
        grade = member.disability_grade
        key = ""
        if grade is not None and member.needs_long_term_care:
            if grade <= max_grade:
                key = NURSING_AMOUNT_KEYS[grade]
            elif (
                include_3_4
                and member.disability_type in ("intellectual", "mental")
                and grade in (3, 4)
            ):
                key = "amount_grade_3_4"
        if key:
            amount = ctx.value(key)
            members[index].amount_fen = amount
            members[index].detail = {"disability_grade": grade, "standard": key}
            total += amount
        ctx.step(
            "member",
            _("第%(n)s名成员重度残疾且需长期照护") % {"n": index + 1},
            bool(key),
            member=index,
            disability_type=member.disability_type,
            disability_grade=grade,
            needs_long_term_care=member.needs_long_term_care,
            amount=yuan_str(members[index].amount_fen),
        )
    if not total:
        ctx.fail("no_eligible_member", _("家庭中没有符合护理补贴条件的重度残疾人"))
    ctx.step("total", _("月护理补贴合计"), yuan_str(total))
    return QuoteResult(
        programme="disability_nursing",
        eligible=not ctx.failed,
        reasons=ctx.reasons,
        monthly_amount_fen=total,
        one_off_amount_fen=None,
        members=members,
        trace=ctx.trace,
        rule_version=NURSING_RULE_VERSION,
    )
