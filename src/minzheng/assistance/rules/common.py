"""Building blocks shared by the 低保 and 特困 rules: countable income, the monthly standard,
property disqualifiers and the vulnerable-member categories."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.core.money import fraction_str, yuan_str

from ..params import BUSINESS_ROLES, INCOME_TYPES
from .base import Context, HouseholdFacts, Member


@dataclass
class IncomeSummary:
    total_fen: int = 0
    countable_by_member: dict[int, int] = field(default_factory=dict)
    excluded_by_member: dict[int, int] = field(default_factory=dict)


def count_income(ctx: Context, facts: HouseholdFacts, *, programme: str) -> IncomeSummary:
    """Sum the countable monthly income of the covered members. Income types on the programme's
    exclusion list, and all income of members outside the household, are listed but not counted."""
    excluded_types = ctx.value("income_excluded_types", programme)
    summary = IncomeSummary()
    countable_by_type: dict[str, int] = {}
    excluded_by_type: dict[str, int] = {}
    not_counted = []
    for index, member in enumerate(facts.members):
        if not member.covered:
            not_counted.append(
                {
                    "member": index,
                    "excluded_reason": member.excluded_reason,
                    "income": yuan_str(sum(member.income_fen.values())),
                }
            )
            continue
        countable = excluded = 0
        for kind, amount in member.income_fen.items():
            if not amount:
                continue
            if kind in excluded_types:
                excluded += amount
                excluded_by_type[kind] = excluded_by_type.get(kind, 0) + amount
            else:
                countable += amount
                countable_by_type[kind] = countable_by_type.get(kind, 0) + amount
        summary.countable_by_member[index] = countable
        summary.excluded_by_member[index] = excluded
        summary.total_fen += countable
    ctx.step(
        "income",
        _("家庭月可计入收入合计"),
        yuan_str(summary.total_fen),
        countable={k: yuan_str(v) for k, v in sorted(countable_by_type.items())},
        excluded={k: yuan_str(v) for k, v in sorted(excluded_by_type.items())},
        excluded_types=sorted(excluded_types),
        excluded_type_labels=[str(INCOME_TYPES[k]) for k in sorted(excluded_types)],
        members_not_counted=not_counted,
    )
    return summary


def monthly_standard(ctx: Context, programme: str) -> Fraction:
    """The per-person monthly standard in fen. A yearly standard (rural) is divided by 12 and kept
    exact; the amount it leads to is rounded once, half up, at the end."""
    standard = ctx.standard("standard", programme)
    if programme == "dibao_rural":
        monthly = Fraction(standard.value, 12)
        ctx.step(
            "monthly_standard",
            _("月标准 = 年标准 ÷ 12（保留精确值，最终金额四舍五入到分）"),
            monthly,
            yearly=yuan_str(standard.value),
            exact=f"{standard.value}/12 fen",
        )
        return monthly
    return Fraction(standard.value)


def property_tests(
    ctx: Context, facts: HouseholdFacts, *, programme: str, standard_month: Fraction, covered: int
) -> None:
    """Each local property disqualifier, with its own reason when it applies."""
    prop = facts.property
    any_car = ctx.value("any_car_disqualifies", programme)
    car_limit = ctx.value("car_value_limit", programme)
    for number, car in enumerate(prop.cars):
        if car.disability_vehicle:
            ctx.step(
                "property.car",
                _("第%(n)s辆车：残疾人功能性补偿代步车，不计") % {"n": number + 1},
                yuan_str(car.value_fen),
                passed=True,
            )
            continue
        fails = any_car or car.value_fen > car_limit
        ctx.step(
            "property.car",
            _("第%(n)s辆车价值与限额比较") % {"n": number + 1},
            yuan_str(car.value_fen),
            limit=yuan_str(car_limit),
            any_car_disqualifies=any_car,
            passed=not fails,
        )
        if fails:
            if any_car:
                ctx.fail("car", _("家庭拥有机动车（非残疾人代步车）"))
            else:
                ctx.fail(
                    "car",
                    _("家庭拥有价值 %(v)s 元的机动车，超过限额 %(l)s 元")
                    % {"v": yuan_str(car.value_fen), "l": yuan_str(car_limit)},
                )

    max_homes = ctx.value("max_homes", programme)
    homes_ok = prop.homes <= max_homes
    ctx.step("property.homes", _("住房套数"), prop.homes, limit=max_homes, passed=homes_ok)
    if not homes_ok:
        ctx.fail(
            "homes", _("家庭拥有住房 %(n)s 套，超过 %(m)s 套") % {"n": prop.homes, "m": max_homes}
        )

    if prop.non_residential:
        disqualifies = ctx.value("non_residential_disqualifies", programme)
        ctx.step(
            "property.non_residential",
            _("非居住类房产"),
            prop.non_residential,
            passed=not disqualifies,
        )
        if disqualifies:
            ctx.fail("non_residential_property", _("家庭拥有非居住类房产（商铺、办公用房等）"))

    if prop.business_roles:
        disqualifying = ctx.value("disqualifying_business_roles", programme)
        hits = sorted(set(prop.business_roles) & set(disqualifying))
        ctx.step(
            "property.business_roles",
            _("经营身份"),
            ",".join(sorted(prop.business_roles)),
            disqualifying=sorted(disqualifying),
            passed=not hits,
        )
        for role in hits:
            ctx.fail("business_role", _("家庭成员为%(role)s") % {"role": BUSINESS_ROLES[role]})

    months = ctx.value("financial_assets_months", programme)
    limit_per_capita = standard_month * months
    # Compare totals (assets > limit × members) so that no per-capita rounding decides a case.
    assets_ok = covered == 0 or prop.financial_assets_fen <= limit_per_capita * covered
    per_capita = Fraction(prop.financial_assets_fen, covered) if covered else Fraction(0)
    ctx.step(
        "property.financial_assets",
        _("人均金融资产与限额（月标准 × 月数）比较"),
        per_capita,
        total=yuan_str(prop.financial_assets_fen),
        members=covered,
        months=months,
        limit_per_capita=fraction_str(limit_per_capita),
        passed=assets_ok,
    )
    if not assets_ok:
        ctx.fail(
            "financial_assets",
            _("人均金融资产 %(a)s 元，超过 %(m)s 个月低保标准之和 %(l)s 元")
            % {"a": fraction_str(per_capita), "m": months, "l": fraction_str(limit_per_capita)},
        )


def vulnerable_categories(ctx: Context, member: Member, *, programme: str) -> list[str]:
    """分类施保 categories a member falls in: elderly, minor, severe disability, serious illness."""
    categories = []
    if member.age >= ctx.value("uplift_elderly_age", programme):
        categories.append("elderly")
    if member.age < ctx.value("uplift_minor_age", programme):
        categories.append("minor")
    if member.disability_grade is not None and member.disability_grade <= ctx.value(
        "uplift_severe_disability_max_grade", programme
    ):
        categories.append("severe_disability")
    if member.serious_illness:
        categories.append("serious_illness")
    return categories


UPLIFT_LABELS = {
    "elderly": gettext_lazy("老年人"),
    "minor": gettext_lazy("未成年人"),
    "severe_disability": gettext_lazy("重度残疾人"),
    "serious_illness": gettext_lazy("重病患者"),
}
