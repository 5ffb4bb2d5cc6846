"""Temporary assistance (临时救助) — 社会救助暂行办法 Art. 47–49.

Emergency type (急难型): help first, complete the paperwork within a set number of days.
Expenditure type (支出型): the normal procedure with verification. The amount is the need — an
itemised list, or the rigid expenditure minus what the household can bear — capped per case by
the type's cap. Amounts up to the township-approval limit may be approved by the township; the
rest go to the county.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from minzheng.core.money import yuan_str

from .base import Context, HouseholdFacts, MemberResult, QuoteResult, Standards

RULE_VERSION = "temporary-2016.1"


def evaluate(facts: HouseholdFacts, standards: Standards) -> QuoteResult:
    ctx = Context("temporary", standards)
    need = facts.temporary
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
    if need is None:
        ctx.fail("no_need_given", _("未填写救助需求"))
        return _result(ctx, 0, members, {})
    emergency = need.kind == "emergency"
    ctx.step("kind", _("救助类型"), need.kind)
    if need.items:
        amount_needed = sum(amount for _label, amount in need.items)
        ctx.step(
            "need",
            _("救助需求 = 各项费用之和"),
            yuan_str(amount_needed),
            items=[{"label": label, "amount": yuan_str(amount)} for label, amount in need.items],
        )
    else:
        amount_needed = max(0, need.expenditure_fen - need.can_bear_fen)
        ctx.step(
            "need",
            _("救助需求 = 刚性支出 − 家庭可承担部分"),
            yuan_str(amount_needed),
            expenditure=yuan_str(need.expenditure_fen),
            can_bear=yuan_str(need.can_bear_fen),
        )
    cap = ctx.value("cap_emergency" if emergency else "cap_expenditure")
    amount = min(amount_needed, cap)
    ctx.step(
        "cap",
        _("救助金额 = min(需求, 上限)"),
        yuan_str(amount),
        need=yuan_str(amount_needed),
        cap=yuan_str(cap),
        capped=amount_needed > cap,
    )
    if amount_needed <= 0:
        ctx.fail("no_need", _("家庭可承担全部支出，无需临时救助"))
        return _result(ctx, 0, members, {})
    township_limit = ctx.value("township_approval_limit")
    level = "township" if amount <= township_limit else "county"
    ctx.step("approval_level", _("审批层级"), level, township_limit=yuan_str(township_limit))
    extras = {"kind": need.kind, "approval_level": level, "capped": amount_needed > cap}
    if emergency:
        days = ctx.value("emergency_paperwork_days")
        ctx.step("paperwork", _("急难型先行救助，补办手续期限（天）"), days)
        extras["paperwork_within_days"] = days
    return _result(ctx, amount, members, extras)


def _result(
    ctx: Context, one_off_fen: int, members: list[MemberResult], extras: dict
) -> QuoteResult:
    return QuoteResult(
        programme="temporary",
        eligible=not ctx.failed,
        reasons=ctx.reasons,
        monthly_amount_fen=None,
        one_off_amount_fen=one_off_fen,
        members=members,
        trace=ctx.trace,
        rule_version=RULE_VERSION,
        extras=extras,
    )
