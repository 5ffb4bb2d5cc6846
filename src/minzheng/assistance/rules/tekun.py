"""Extreme-poverty support (特困人员救助供养; rural 五保) — 社会救助暂行办法 Art. 14–19.

A person qualifies when all three 三无 conditions hold: no work capacity (age, or a severe
disability), no means of living (household per-capita income below the 低保 standard of the
hukou type, counting neither basic pensions nor the old-age allowance, and no property
disqualifier), and no supporter able to support them. Children under the orphan age are referred
to the orphan programme instead. The monthly amount is the basic-living standard plus the care
standard of the person's self-care grade (six items: all met = self-care; a few not met = partial
loss; many not met = total loss; the thresholds are parameters), yearly figures ÷ 12, rounded half
up to the fen per person. Each member of the household is assessed; a couple can both qualify.
"""

from __future__ import annotations

from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.core.money import fraction_str, round_half_up, yuan_str

from .base import Context, HouseholdFacts, Member, MemberResult, QuoteResult, Reason, Standards
from .common import count_income, monthly_standard, property_tests

RULE_VERSION = "tekun-2016.1"
CARE_KEYS = {"self_care": "care_self_care", "partial": "care_partial", "total": "care_total"}
GRADE_LABELS = {
    "self_care": gettext_lazy("生活自理"),
    "partial": gettext_lazy("部分丧失生活自理能力"),
    "total": gettext_lazy("完全丧失生活自理能力"),
}
SUPPORTER_UNABLE_LABELS = {
    "tekun": gettext_lazy("本人为特困人员"),
    "dibao_elderly": gettext_lazy("60周岁以上的低保对象"),
    "severely_disabled": gettext_lazy("重度残疾人"),
    "incapable": gettext_lazy("无民事行为能力"),
    "missing": gettext_lazy("下落不明"),
    "imprisoned": gettext_lazy("服刑"),
}


def self_care_grade(ctx: Context, member: Member) -> tuple[str, int]:
    unable = len(set(member.self_care_unable))
    if unable >= ctx.value("self_care_total_min_items"):
        return "total", unable
    if unable >= ctx.value("self_care_partial_min_items"):
        return "partial", unable
    return "self_care", unable


def no_work_capacity(ctx: Context, member: Member) -> str:
    """The ground on which the member has no work capacity, or "" if they have it."""
    if member.age >= ctx.value("no_capacity_age"):
        return "elderly"
    if member.age < ctx.value("no_capacity_minor_age"):
        return "minor"
    grade, kind = member.disability_grade, member.disability_type
    if grade is not None:
        if kind in ("intellectual", "mental") and grade <= ctx.value(
            "no_capacity_intellectual_mental_max_grade"
        ):
            return "intellectual_mental_disability"
        if kind in ("physical", "multiple") and grade <= ctx.value(
            "no_capacity_physical_max_grade"
        ):
            return "physical_disability"
    return ""


def evaluate(facts: HouseholdFacts, standards: Standards) -> QuoteResult:
    ctx = Context("tekun", standards)
    members = [
        MemberResult(
            index=i,
            relation=m.relation,
            age=m.age,
            covered=m.covered,
            excluded_reason=m.excluded_reason,
        )
        for i, m in enumerate(facts.members)
    ]
    if facts.hukou_type not in ("urban", "rural"):
        ctx.fail("hukou_type_missing", _("未说明户口性质（城镇或农村），无法确定适用标准"))
        return _result(ctx, 0, members, {})
    urban = facts.hukou_type == "urban"
    dibao_programme = "dibao_urban" if urban else "dibao_rural"
    ctx.step("hukou_type", _("户口性质"), facts.hukou_type, dibao_programme=dibao_programme)
    covered = facts.covered()
    n = len(covered)
    if n == 0:
        ctx.fail("no_covered_members", _("没有可纳入计算的家庭成员"))
        return _result(ctx, 0, members, {})

    # No means of living: income below the 低保 standard, property within the 低保 limits.
    income = count_income(ctx, facts, programme="tekun")
    for index, result in enumerate(members):
        result.countable_income_fen = income.countable_by_member.get(index, 0)
        result.excluded_income_fen = income.excluded_by_member.get(index, 0)
    dibao_month = monthly_standard(ctx, dibao_programme)
    per_capita = Fraction(income.total_fen, n)
    means_ok = per_capita < dibao_month
    ctx.step(
        "means_test",
        _("无生活来源：人均月收入低于低保标准"),
        means_ok,
        per_capita_income=fraction_str(per_capita),
        dibao_standard=fraction_str(dibao_month),
    )
    if not means_ok:
        ctx.fail(
            "has_means_of_living",
            _("人均月收入 %(i)s 元，不低于低保标准 %(s)s 元")
            % {"i": fraction_str(per_capita), "s": fraction_str(dibao_month)},
        )
    property_tests(ctx, facts, programme=dibao_programme, standard_month=dibao_month, covered=n)

    # No supporter, or every supporter unable to support.
    able = [s for s in facts.supporters if s == "able"]
    ctx.step(
        "supporter_test",
        _("无法定赡养、抚养、扶养义务人，或其无履行义务能力"),
        not able,
        supporters=list(facts.supporters),
        unable_because=[str(SUPPORTER_UNABLE_LABELS[s]) for s in facts.supporters if s != "able"],
    )
    if able:
        ctx.fail("supporter_able", _("有具备履行义务能力的法定义务人 %(n)s 人") % {"n": len(able)})

    basic_key = "basic_living_urban" if urban else "basic_living_rural"
    member_reasons: list[Reason] = []
    total = 0
    grades = {}
    for index, member in covered:
        result = members[index]
        if member.age < ctx.value("orphan_referral_age"):
            reason = Reason(
                "orphan_referral",
                _("第%(n)s名成员未满%(a)s周岁，应纳入孤儿保障")
                % {"n": index + 1, "a": ctx.value("orphan_referral_age")},
            )
            member_reasons.append(reason)
            result.detail = {"qualifies": False, "reason": reason.code}
            ctx.step(
                "work_capacity",
                _("第%(n)s名成员：转孤儿保障") % {"n": index + 1},
                False,
                member=index,
            )
            continue
        ground = no_work_capacity(ctx, member)
        ctx.step(
            "work_capacity",
            _("第%(n)s名成员无劳动能力") % {"n": index + 1},
            bool(ground),
            member=index,
            ground=ground,
            age=member.age,
            disability_type=member.disability_type,
            disability_grade=member.disability_grade,
        )
        if not ground:
            reason = Reason("has_work_capacity", _("第%(n)s名成员具有劳动能力") % {"n": index + 1})
            member_reasons.append(reason)
            result.detail = {"qualifies": False, "reason": reason.code}
            continue
        grade, unable = self_care_grade(ctx, member)
        grades[index] = grade
        basic = ctx.standard(basic_key)
        care = ctx.standard(CARE_KEYS[grade])
        if urban:
            exact = Fraction(basic.value) + Fraction(care.value, 12)
            formula = f"{yuan_str(basic.value)} + {yuan_str(care.value)} ÷ 12"
        else:
            exact = Fraction(basic.value + care.value, 12)
            formula = f"({yuan_str(basic.value)} + {yuan_str(care.value)}) ÷ 12"
        amount = round_half_up(exact)
        ctx.step(
            "self_care",
            _("第%(n)s名成员自理能力：%(g)s（六项中%(u)s项不能自理）")
            % {"n": index + 1, "g": GRADE_LABELS[grade], "u": unable},
            grade,
            member=index,
            items_not_met=sorted(set(member.self_care_unable)),
        )
        ctx.step(
            "member_amount",
            _("第%(n)s名成员月供养金 = 基本生活标准 + 照料护理标准") % {"n": index + 1},
            yuan_str(amount),
            member=index,
            formula=formula,
            exact=fraction_str(exact, 4),
        )
        result.amount_fen = amount
        result.detail = {
            "qualifies": True,
            "work_capacity_ground": ground,
            "self_care_grade": grade,
            "items_not_met": unable,
            "basic": yuan_str(basic.value),
            "care": yuan_str(care.value),
        }
        total += amount

    if not grades:
        ctx.reasons.extend(member_reasons)
        if not ctx.reasons:
            ctx.fail("no_qualifying_member", _("没有符合特困条件的成员"))
    if ctx.failed:
        for result in members:
            result.amount_fen = 0
        total = 0
    ctx.step("total", _("月供养金合计"), yuan_str(total), care_mode=facts.care_mode)
    extras = {
        "care_mode": facts.care_mode,
        # Centralised support is paid to the institution that houses the person.
        "payee": "institution" if facts.care_mode == "centralised" else "person",
        "self_care_grades": {str(i): g for i, g in grades.items()},
    }
    return _result(ctx, total, members, extras)


def _result(
    ctx: Context, monthly_fen: int, members: list[MemberResult], extras: dict
) -> QuoteResult:
    return QuoteResult(
        programme="tekun",
        eligible=not ctx.failed,
        reasons=ctx.reasons,
        monthly_amount_fen=monthly_fen,
        one_off_amount_fen=None,
        members=members,
        trace=ctx.trace,
        rule_version=RULE_VERSION,
        extras=extras,
    )
