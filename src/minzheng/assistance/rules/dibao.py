"""Minimum living guarantee (最低生活保障), urban and rural — 社会救助暂行办法 Art. 9–13.

Eligible when the household's per-capita monthly countable income is below the standard and no
property disqualifier applies. Monthly benefit (补差) = (standard − per-capita income) × covered
members, computed on the household total (standard × members − income) so that no per-capita
rounding enters; a rural yearly standard is divided by 12 exactly and the household amount is
rounded half up to the fen once. Vulnerable members (分类施保) add an uplift each: the highest
single category's ratio × the monthly standard, rounded half up. Households in a 按标施保
category receive the full standard for every covered member instead of the gap.
"""

from __future__ import annotations

from fractions import Fraction

from django.utils.translation import gettext as _

from minzheng.core.money import fraction_str, round_half_up, yuan_str

from .base import Context, HouseholdFacts, MemberResult, QuoteResult, Standards, distribute
from .common import (
    UPLIFT_LABELS,
    count_income,
    monthly_standard,
    property_tests,
    vulnerable_categories,
)

RULE_VERSION = "dibao-2016.1"
UPLIFT_RATIO_KEYS = {
    "elderly": "uplift_elderly_ratio",
    "minor": "uplift_minor_ratio",
    "severe_disability": "uplift_severe_disability_ratio",
    "serious_illness": "uplift_serious_illness_ratio",
}


def evaluate(facts: HouseholdFacts, standards: Standards, *, programme: str) -> QuoteResult:
    ctx = Context(programme, standards)
    standard_month = monthly_standard(ctx, programme)
    covered = facts.covered()
    n = len(covered)
    ctx.step(
        "members",
        _("纳入计算的家庭成员人数"),
        n,
        not_counted=[
            {"member": i, "excluded_reason": m.excluded_reason}
            for i, m in enumerate(facts.members)
            if not m.covered
        ],
    )
    income = count_income(ctx, facts, programme=programme)
    members = [
        MemberResult(
            index=i,
            relation=m.relation,
            age=m.age,
            covered=m.covered,
            excluded_reason=m.excluded_reason,
            countable_income_fen=income.countable_by_member.get(i, 0),
            excluded_income_fen=income.excluded_by_member.get(i, 0),
        )
        for i, m in enumerate(facts.members)
    ]
    if n == 0:
        ctx.fail("no_covered_members", _("没有可纳入低保计算的家庭成员"))
        return _result(ctx, programme, 0, members)

    per_capita = Fraction(income.total_fen, n)
    ctx.step(
        "per_capita_income",
        _("人均月收入 = 可计入收入 ÷ 人数"),
        per_capita,
        formula=f"{yuan_str(income.total_fen)} ÷ {n}",
    )
    income_ok = per_capita < standard_month
    ctx.step(
        "income_test",
        _("人均月收入低于月低保标准"),
        income_ok,
        per_capita_income=fraction_str(per_capita),
        standard=fraction_str(standard_month),
    )
    if not income_ok:
        ctx.fail(
            "income_above_standard",
            _("家庭人均月收入 %(i)s 元，不低于低保标准 %(s)s 元")
            % {"i": fraction_str(per_capita), "s": fraction_str(standard_month)},
        )
    property_tests(ctx, facts, programme=programme, standard_month=standard_month, covered=n)
    if ctx.failed:
        return _result(ctx, programme, 0, members)

    categories = {i: vulnerable_categories(ctx, m, programme=programme) for i, m in covered}
    full_categories = ctx.value("full_standard_categories", programme)
    full_reasons = []
    if "extreme_hardship" in full_categories and facts.extreme_hardship:
        full_reasons.append("extreme_hardship")
    if "all_vulnerable" in full_categories and all(categories.values()):
        full_reasons.append("all_vulnerable")
    ctx.step(
        "full_standard",
        _("按标施保"),
        bool(full_reasons),
        categories=full_reasons,
        enabled=sorted(full_categories),
    )

    if full_reasons:
        base_exact = standard_month * n
        ctx.step(
            "base",
            _("按标施保：月标准 × 人数"),
            fraction_str(base_exact),
            formula=f"{fraction_str(standard_month)} × {n}",
        )
    else:
        base_exact = standard_month * n - income.total_fen
        ctx.step(
            "base",
            _("补差 = (月标准 − 人均月收入) × 人数"),
            fraction_str(base_exact),
            formula=f"({fraction_str(standard_month)} − {fraction_str(per_capita)}) × {n} = "
            f"{fraction_str(standard_month * n)} − {yuan_str(income.total_fen)}",
        )
    base = round_half_up(base_exact)
    shares = distribute(base, n)

    total = base
    for (index, _member), share in zip(covered, shares, strict=True):
        result = members[index]
        uplift, category = _uplift(ctx, programme, categories[index], standard_month)
        result.amount_fen = share + uplift
        result.detail = {
            "base": yuan_str(share),
            "uplift": yuan_str(uplift),
            "uplift_category": category,
            "categories": categories[index],
        }
        if uplift:
            ctx.step(
                "uplift",
                _("分类施保增发：第%(n)s名成员（%(c)s）")
                % {"n": index + 1, "c": UPLIFT_LABELS[category]},
                yuan_str(uplift),
                member=index,
                category=category,
            )
        total += uplift
    ctx.step("total", _("月保障金合计"), yuan_str(total), base=yuan_str(base))
    return _result(ctx, programme, total, members, extras={"full_standard": full_reasons})


def _uplift(
    ctx: Context, programme: str, categories: list[str], standard_month: Fraction
) -> tuple[int, str]:
    """The highest single category's uplift (categories do not stack)."""
    best, best_category = 0, ""
    for category in categories:
        ratio = Fraction(ctx.value(UPLIFT_RATIO_KEYS[category], programme))
        amount = round_half_up(ratio * standard_month)
        if amount > best:
            best, best_category = amount, category
    return best, best_category


def _result(
    ctx: Context,
    programme: str,
    monthly_fen: int,
    members: list[MemberResult],
    extras: dict | None = None,
) -> QuoteResult:
    return QuoteResult(
        programme=programme,
        eligible=not ctx.failed,
        reasons=ctx.reasons,
        monthly_amount_fen=monthly_fen,
        one_off_amount_fen=None,
        members=members,
        trace=ctx.trace,
        rule_version=RULE_VERSION,
        extras=extras or {},
    )
