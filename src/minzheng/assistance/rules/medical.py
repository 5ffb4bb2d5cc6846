"""Medical assistance (医疗救助) — 社会救助暂行办法 Art. 28–31.

For 低保 members and 特困 people (key recipients) and others the county names. The bill passes
through basic medical insurance, then critical-illness insurance, then other insurance; medical
assistance pays the recipient's ratio of the in-policy cost still self-paid after them, limited
by what is left of the annual cap after the assistance already paid this year.
"""

from __future__ import annotations

from fractions import Fraction

from django.utils.translation import gettext as _

from minzheng.core.money import round_half_up, yuan_str

from .base import Context, HouseholdFacts, MemberResult, QuoteResult, Standards

RULE_VERSION = "medical-2016.1"


def evaluate(facts: HouseholdFacts, standards: Standards) -> QuoteResult:
    ctx = Context("medical", standards)
    bill = facts.medical
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
    if bill is None:
        ctx.fail("no_bill", _("未填写医疗费用"))
        return _result(ctx, 0, members, {})
    patient = facts.members[bill.patient]
    if patient.tekun_recipient or patient.dibao_recipient:
        category, ratio_key = "key", "ratio_key"
    elif patient.medical_named:
        category, ratio_key = "named", "ratio_named"
    else:
        category, ratio_key = "", ""
    ctx.step(
        "recipient",
        _("救助对象类别"),
        category or "none",
        member=bill.patient,
        dibao=patient.dibao_recipient,
        tekun=patient.tekun_recipient,
        named=patient.medical_named,
    )
    if not category:
        ctx.fail("not_a_recipient", _("患者不是低保对象、特困人员或县级确定的其他救助对象"))
        return _result(ctx, 0, members, {})

    ctx.step(
        "total",
        _("医疗费用总额"),
        yuan_str(bill.total_fen),
        in_policy=yuan_str(bill.in_policy_fen),
        out_of_policy=yuan_str(bill.total_fen - bill.in_policy_fen),
    )
    remaining = bill.in_policy_fen
    for step, label, paid in (
        ("basic_insurance", _("基本医疗保险报销后政策范围内自付"), bill.basic_insurance_fen),
        ("critical_illness", _("大病保险报销后政策范围内自付"), bill.critical_illness_fen),
        ("other_insurance", _("其他补充保险报销后政策范围内自付"), bill.other_insurance_fen),
    ):
        before = remaining
        remaining = max(0, remaining - paid)
        ctx.step(step, label, yuan_str(remaining), before=yuan_str(before), paid=yuan_str(paid))
    ratio = ctx.value(ratio_key)
    computed = round_half_up(Fraction(ratio) * remaining)
    ctx.step(
        "ratio",
        _("按比例计算的救助额 = 比例 × 政策范围内自付"),
        yuan_str(computed),
        ratio=str(ratio),
        self_paid=yuan_str(remaining),
    )
    cap = ctx.value("annual_cap")
    room = max(0, cap - bill.already_paid_this_year_fen)
    amount = min(computed, room)
    ctx.step(
        "annual_cap",
        _("本次救助额 = min(计算额, 年度限额 − 本年已救助)"),
        yuan_str(amount),
        annual_cap=yuan_str(cap),
        already_paid=yuan_str(bill.already_paid_this_year_fen),
        room=yuan_str(room),
        capped=computed > room,
    )
    members[bill.patient].amount_fen = amount
    extras = {
        "category": category,
        "self_paid_in_policy": yuan_str(remaining),
        "cap_room": yuan_str(room),
        "capped": computed > room,
    }
    return _result(ctx, amount, members, extras)


def _result(
    ctx: Context, one_off_fen: int, members: list[MemberResult], extras: dict
) -> QuoteResult:
    return QuoteResult(
        programme="medical",
        eligible=not ctx.failed,
        reasons=ctx.reasons,
        monthly_amount_fen=None,
        one_off_amount_fen=one_off_fen,
        members=members,
        trace=ctx.trace,
        rule_version=RULE_VERSION,
        extras=extras,
    )
