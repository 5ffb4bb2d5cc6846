"""The county approval (spot check, decided amount, decision), withdrawal, the staff-relative
declaration (备案) and the emergency path."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.accounts.models import Role
from minzheng.assistance.selectors import standard_in_force
from minzheng.core import audit
from minzheng.core.errors import ServiceError
from minzheng.core.money import yuan_str

from .. import medical
from ..assessment import assess_case
from ..models import (
    Case,
    Decision,
    EmergencyPayment,
    Programme,
    SpotCheck,
    State,
)
from ..params import workflow_param
from .guards import (
    APPROVER,
    CLERK,
    VERIFIER,
    VILLAGE,
    _act_date,
    _event,
    _guard,
    _locked,
    _names,
    _record,
    _refuse,
    _require_authorisation,
    _require_state,
    _state_conflict,
    _text,
    _today,
    _transition,
)
from .medical import freeze_case_payouts
from .stages import _enter_county_review, _select_for_spot_check

# ---------------------------------------------------------------- county approval


@transaction.atomic(durable=True)
def record_spot_check(
    *, user, case: Case, checked_on: dt.date, investigators: list[str], findings: str
) -> SpotCheck:
    _guard(user, case, APPROVER)
    case = _locked(case)
    _require_state(case, (State.COUNTY_REVIEW,), _("登记入户抽查"))
    check = SpotCheck.objects.select_for_update().filter(case=case).first()
    if check is None:
        raise ServiceError({"spot_check": [_("本申请未被抽中入户抽查")]}, status=409)
    if check.is_done:
        raise ServiceError({"spot_check": [_("入户抽查已登记")]}, status=409)
    checked_on = _act_date(case, checked_on, "checked_on")
    names = _names(investigators, "investigators")
    minimum = workflow_param(
        "workflow.min_investigators", case.region, checked_on, programme=case.programme
    )
    if len(names) < minimum:
        raise ServiceError({"investigators": [_("入户抽查人员不得少于 %(n)s 人") % {"n": minimum}]})
    findings = _text(findings, "findings", _("请填写抽查情况"))
    with audit.audited(
        check, object_repr=f"{case.number} {_('入户抽查')}", region_code=case.audit_region_code
    ):
        check.checked_on, check.investigators, check.findings, check.checked_by = (
            checked_on,
            names,
            findings,
            user,
        )
        check.save()
        _event(
            case,
            user=user,
            action="spot_check",
            on=checked_on,
            from_state=case.state,
            note=_("县级入户抽查：%(names)s") % {"names": "、".join(names)},
            data={"findings": findings},
        )
    return check


def _decided_amount(
    case: Case, on: dt.date, amount_fen: int | None, amount_reason: str
) -> tuple[int | None, int | None, str]:
    """(amount, rules amount, reason) of a monthly programme's approval: the rules' amount on the
    decision date is the default; another amount needs a written reason; a blank or zero amount
    is refused while the household is eligible."""
    assessment = assess_case(case, on=on)
    if assessment is None:
        return amount_fen, None, ""
    amount_reason = (amount_reason or "").strip()
    rules_amount = assessment.amount_fen if assessment.computed and assessment.eligible else None
    if not amount_fen:
        if rules_amount:
            raise ServiceError(
                {
                    "amount_fen": [
                        _("请填写核定救助金额（按规则计算为每月 %(y)s 元）")
                        % {"y": yuan_str(rules_amount)}
                    ]
                }
            )
        basis = assessment.error or "；".join(assessment.reasons) or _("按规则金额为零")
        raise ServiceError(
            {
                "amount_fen": [
                    _("按规则计算不能核定金额（%(why)s）。确需批准的，须填写核定救助金额并写明理由")
                    % {"why": basis}
                ]
            }
        )
    # Without a computed figure (no standard in force) the approver's amount is the decision.
    if assessment.computed and amount_fen != rules_amount and not amount_reason:
        expected = (
            _("每月 %(y)s 元") % {"y": yuan_str(rules_amount)} if rules_amount else _("不符合条件")
        )
        raise ServiceError(
            {
                "amount_reason": [
                    _("核定金额与按规则计算的结果（%(e)s）不同，须写明理由") % {"e": expected}
                ]
            }
        )
    if len(amount_reason) > 2000:
        raise ServiceError({"amount_reason": [_("理由不能超过2000个字符")]})
    return (
        amount_fen,
        assessment.amount_fen if assessment.computed else None,
        amount_reason if amount_fen != rules_amount else "",
    )


def _medical_amount(case: Case, on: dt.date, amount_fen: int | None) -> tuple[int, int, str]:
    """A medical case is approved at the sum of its bills' payouts from the persons' yearly
    ledgers, frozen now (docs/DOMAIN.md §3.4); the approver cannot write another amount."""
    expected = sum(p.assistance_fen for _b, p in medical.case_payouts(case) if p is not None)
    if amount_fen is not None and amount_fen != expected:
        raise ServiceError(
            {
                "amount_fen": [
                    _("医疗救助金额为各单据救助额之和 %(y)s 元，不能另行填写")
                    % {"y": yuan_str(expected)}
                ]
            }
        )
    total = freeze_case_payouts(case, on)
    return total, total, ""


@transaction.atomic(durable=True)
def county_decision(
    *,
    user,
    case: Case,
    approve: bool,
    reasons: str = "",
    amount_fen: int | None = None,
    amount_reason: str = "",
    on: dt.date | None = None,
) -> Case:
    """County approval (县级审批) or refusal with written reasons. A case drawn for a spot check
    is approved only after the check is recorded. A monthly programme is approved at the rules'
    amount on the decision date, or at another amount with a written reason."""
    _guard(user, case, APPROVER)
    case = _locked(case)
    _require_state(case, (State.COUNTY_REVIEW,), _("县级审批"))
    on = _act_date(case, on)
    if amount_fen is not None and amount_fen < 0:
        raise ServiceError({"amount_fen": [_("金额不能为负数")]})
    if approve and amount_fen is not None:
        _check_programme_cap(case, amount_fen, on)
    if not approve:
        reasons = _text(reasons, "reasons", _("不予批准时须写明理由"))
        return _refuse(
            case,
            level=Decision.Level.COUNTY,
            stage_label=_("县级审批"),
            action="county_decision",
            note=_("县级审批不予批准：%(r)s"),
            reasons=reasons,
            user=user,
            on=on,
        )
    check = SpotCheck.objects.filter(case=case).first()
    if check is not None and not check.is_done:
        raise ServiceError(
            {"spot_check": [_("本申请已被抽中入户抽查，须先登记抽查结果再审批")]}, status=409
        )
    if case.programme == Programme.MEDICAL:
        amount_fen, rules_amount, amount_reason = _medical_amount(case, on, amount_fen)
    else:
        amount_fen, rules_amount, amount_reason = _decided_amount(
            case, on, amount_fen, amount_reason
        )
    Decision.objects.create(
        case=case,
        level=Decision.Level.COUNTY,
        outcome=Decision.Outcome.APPROVE,
        reasons=(reasons or "").strip(),
        amount_fen=amount_fen,
        rules_amount_fen=rules_amount,
        amount_reason=amount_reason,
        decided_on=on,
        decided_by=user,
    )
    # The approve transition is published (django-fsm post_transition); payments subscribes
    # and creates the entitlement in this transaction.
    return _transition(
        case,
        "approve",
        _("县级审批"),
        user=user,
        action="county_decision",
        on=on,
        note=_("县级审批批准"),
        data={
            "amount_fen": amount_fen,
            "rules_amount_fen": rules_amount,
            "amount_reason": amount_reason,
        },
    )


# ---------------------------------------------------------------- withdrawal, 备案, emergency path


@transaction.atomic(durable=True)
def withdraw(*, user, case: Case, reason: str = "", on: dt.date | None = None) -> Case:
    """Withdrawal at any open stage, by the applicant's household or by the township clerk."""
    _guard(user, case, CLERK, resident_owner=True)
    case = _locked(case)
    if not case.is_open:
        raise _state_conflict(case, _("撤回申请"))
    if user.role == Role.RESIDENT:
        on = _act_date(case, None)
        reason = (reason or "").strip() or _("申请人本人撤回")
    else:
        on = _act_date(case, on)
        reason = _text(reason, "reason", _("代为撤回时须注明申请人撤回的情况"))
    return _transition(
        case,
        "withdraw",
        _("撤回申请"),
        user=user,
        action="withdraw",
        on=on,
        note=_("撤回申请：%(r)s") % {"r": reason},
        data={"reason": reason},
    )


@transaction.atomic(durable=True)
def declare_staff_relative(*, user, case: Case, relation: str) -> Case:
    """备案: the applicant is a close relative of civil-affairs staff or a village cadre; such cases
    are always spot-checked at county level. The verification centre records it when a run finds it."""
    _guard(user, case, CLERK | VILLAGE | APPROVER | VERIFIER)
    case = _locked(case)
    if not case.is_open:
        raise _state_conflict(case, _("近亲属备案"))
    relation = _text(relation, "relation", _("请说明亲属关系"))
    with audit.audited(case, note=_("近亲属备案")):
        case.relative_of_staff, case.relative_relation = True, relation[:200]
        case.save(update_fields=["relative_of_staff", "relative_relation", "updated_at"])
        today = _today()
        _event(
            case,
            user=user,
            action="staff_relative",
            on=today,
            from_state=case.state,
            note=_("近亲属备案：%(r)s") % {"r": relation},
        )
    if case.state == State.COUNTY_REVIEW and not SpotCheck.objects.filter(case=case).exists():
        check = _select_for_spot_check(case, today)
        _record(
            case,
            user=user,
            action="spot_check_selected",
            on=today,
            obj=check,
            note=_("抽中县级入户抽查（%(r)s）") % {"r": check.get_reason_display()},
        )
    return case


def _check_programme_cap(case: Case, amount_fen: int, on: dt.date) -> None:
    """Temporary assistance is paid once, up to the region's cap for its kind (急难型/支出型)."""
    if case.programme != Programme.TEMPORARY:
        return
    key = "cap_emergency" if case.is_emergency else "cap_expenditure"
    cap = standard_in_force(case.programme, key, case.region, on)
    if cap is not None and cap.value is not None and amount_fen > cap.value:
        raise ServiceError(
            {"amount_fen": [_("超过本地区临时救助每次上限 %(y)s 元") % {"y": yuan_str(cap.value)}]}
        )


@transaction.atomic(durable=True)
def grant_emergency(
    *,
    user,
    case: Case,
    amount_fen: int,
    method: str,
    paid_on: dt.date | None = None,
    note: str = "",
) -> EmergencyPayment:
    """Emergency temporary assistance: the township helps first, within its delegated limit;
    the paperwork and the county's confirmation follow."""
    _guard(user, case, CLERK)
    case = _locked(case)
    if not (case.is_emergency and case.programme == Programme.TEMPORARY):
        raise ServiceError({"is_emergency": [_("只有急难型临时救助可以先行救助")]}, status=409)
    _require_state(case, (State.SUBMITTED,), _("先行救助"))
    paid_on = _act_date(case, paid_on, "paid_on")
    if method not in EmergencyPayment.Method.values:
        raise ServiceError({"method": [_("救助方式无效")]})
    limit = workflow_param(
        "workflow.township_delegation_limit_fen", case.region, paid_on, programme=case.programme
    )
    if amount_fen is None or amount_fen <= 0:
        raise ServiceError({"amount_fen": [_("请填写救助金额")]})
    if amount_fen > limit:
        raise ServiceError(
            {
                "amount_fen": [
                    _("超过乡镇（街道）先行救助限额 %(y)s 元，须报县级审批")
                    % {"y": yuan_str(limit)}
                ]
            }
        )
    payment = EmergencyPayment.objects.create(
        case=case,
        amount_fen=amount_fen,
        method=method,
        paid_on=paid_on,
        note=(note or "").strip(),
        recorded_by=user,
    )
    audit.record_created(
        payment, object_repr=f"{case.number} {_('先行救助')}", region_code=case.audit_region_code
    )
    _transition(
        case,
        "grant_emergency",
        _("先行救助"),
        user=user,
        action="emergency_grant",
        on=paid_on,
        note=_("先行救助 %(y)s 元（%(m)s）")
        % {"y": yuan_str(amount_fen), "m": payment.get_method_display()},
        data={"amount_fen": amount_fen, "method": method},
    )
    return payment


@transaction.atomic(durable=True)
def complete_emergency_paperwork(*, user, case: Case, on: dt.date | None = None) -> Case:
    """The paperwork after emergency help is complete (authorisation on file): to the county."""
    _guard(user, case, CLERK)
    case = _locked(case)
    _require_state(case, (State.EMERGENCY_GRANTED,), _("补办手续"))
    on = _act_date(case, on)
    _require_authorisation(case)
    return _enter_county_review(
        case,
        "complete_emergency_paperwork",
        _("补办手续"),
        user=user,
        action="emergency_paperwork",
        on=on,
        note=_("先行救助手续已补齐，报县级审批确认"),
    )
