"""Recovery of overpayments (多发追回): plans, deductions by the payroll, repayments, write-off.

An overpayment is recovered one of two ways, chosen by county staff as its plan:

* **deduction** (从以后发放中抵扣): an amount per month. Each payroll of the county adds, for
  every overpayment in deduction whose entitlement is paid that month, one deduction line (kind
  `deduction`, a negative amount, at most the plan's monthly amount, the balance not yet covered
  by deductions on their way, and what is left of that month's payment). The bank never sees a
  negative amount: in the bank file the deductions are netted into the household's regular
  payment of the run (same row, same reference, the net amount), and the bank's result for that
  row settles them — paid: recovered (a repayment row per deduction); failed: cancelled, the
  gross payment is paid again as the next attempt and the deduction is taken again from a later
  month. A payment wholly taken by deductions is not sent; it is settled at export.
* **repayment** (退回): the beneficiary pays back; staff record each repayment with its date and
  receipt number.

An overpayment is recovered when the repayments cover it. Writing it off (核销) needs a reason
and two people: one asks, a second with the approving role approves. Every step is audited.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope

from . import months
from .models import Entitlement, Overpayment, PayrollLine, PayrollRun, Repayment
from .params import ENTITLEMENT_WRITERS, PAYROLL_ROLES

OPEN_STATUSES = (Overpayment.Status.OPEN, Overpayment.Status.RECOVERING)
MEANS_TESTED = ("dibao_urban", "dibao_rural", "tekun")
_ON_THE_WAY = (PayrollLine.Status.PENDING, PayrollLine.Status.EXPORTED)


# ---------------------------------------------------------------- guards


def may_manage(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or (user.role in ENTITLEMENT_WRITERS and user.can_write))
    )


def may_approve_writeoff(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or (user.role in PAYROLL_ROLES and user.can_write))
    )


def _guard(user, overpayment: Overpayment, *, approve: bool = False) -> None:
    if user is None or not user.is_authenticated or not (user.is_superuser or user.is_staff_role):
        raise NotFoundOrOutOfScope()
    if not region_in_scope(user, overpayment.entitlement.region):
        raise NotFoundOrOutOfScope()
    allowed = may_approve_writeoff(user) if approve else may_manage(user)
    if not allowed:
        raise PermissionDeniedError(
            _("只有县级审批人员可以审批核销") if approve else _("当前账号无权办理多发追回")
        )


def _locked(overpayment: Overpayment) -> Overpayment:
    found = (
        Overpayment.objects.select_for_update(of=("self",))
        .select_related("entitlement", "entitlement__region")
        .get(pk=overpayment.pk)
    )
    if found.status not in OPEN_STATUSES:
        raise ServiceError({"status": [_("该笔多发已追回或已核销")]}, status=409)
    return found


def _repr(o: Overpayment) -> str:
    return f"{o.get_reason_display()} {o.entitlement.household.number if o.entitlement_id else ''}"[
        :200
    ]


def _refresh(o: Overpayment) -> None:
    """recovered_fen from the repayments, and the status that follows from the balance."""
    o.recovered_fen = o.repayments.aggregate(total=Sum("amount_fen"))["total"] or 0
    if o.recovered_fen >= o.amount_fen:
        o.status = Overpayment.Status.RECOVERED
    elif o.recovered_fen > 0 or o.method:
        o.status = Overpayment.Status.RECOVERING
    else:
        o.status = Overpayment.Status.OPEN
    o.save(update_fields=["recovered_fen", "status"])


# ---------------------------------------------------------------- plans and repayments


@transaction.atomic
def set_plan(*, user, overpayment: Overpayment, method: str, monthly_fen: int | None = None):
    """Deduct a monthly amount from later payments, or wait for repayments."""
    _guard(user, overpayment)
    o = _locked(overpayment)
    if method not in (Overpayment.Method.DEDUCT, Overpayment.Method.REPAY):
        raise ServiceError({"method": [_("请选择追回方式")]})
    if method == Overpayment.Method.DEDUCT:
        if isinstance(monthly_fen, bool) or not isinstance(monthly_fen, int) or monthly_fen <= 0:
            raise ServiceError({"monthly_amount": [_("请填写每月抵扣金额，应大于0")]})
        if monthly_fen > o.balance_fen:
            raise ServiceError({"monthly_amount": [_("每月抵扣金额不能超过待追回余额")]})
    else:
        monthly_fen = None
    with audit.audited(o, object_repr=_repr(o), note=_("制定追回计划")):
        o.method, o.deduct_monthly_fen = method, monthly_fen
        o.save(update_fields=["method", "deduct_monthly_fen"])
        _refresh(o)
    return o


@transaction.atomic
def record_repayment(
    *, user, overpayment: Overpayment, amount_fen: int, paid_on, receipt: str
) -> Repayment:
    _guard(user, overpayment)
    o = _locked(overpayment)
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ServiceError({"amount": [_("退回金额应大于0")]})
    if amount_fen > o.balance_fen:
        raise ServiceError({"amount": [_("退回金额不能超过待追回余额")]})
    if not isinstance(paid_on, dt.date):
        raise ServiceError({"paid_on": [_("请填写退回日期")]})
    if paid_on > timezone.localdate():
        raise ServiceError({"paid_on": [_("退回日期不能晚于今天")]})
    receipt = (receipt or "").strip()
    if not receipt:
        raise ServiceError({"receipt": [_("请填写收据号")]})
    if len(receipt) > 64:
        raise ServiceError({"receipt": [_("收据号不能超过64个字符")]})
    with audit.audited(o, object_repr=_repr(o), note=_("登记退回")):
        repayment = Repayment.objects.create(
            overpayment=o,
            method=Repayment.Method.REPAY,
            amount_fen=amount_fen,
            paid_on=paid_on,
            receipt=receipt,
            by=user,
        )
        if not o.method:
            o.method = Overpayment.Method.REPAY
            o.save(update_fields=["method"])
        _refresh(o)
    audit.record_created(repayment, object_repr=f"{receipt}", note=_("登记退回"))
    return repayment


@transaction.atomic
def request_writeoff(*, user, overpayment: Overpayment, reason: str) -> Overpayment:
    _guard(user, overpayment)
    o = _locked(overpayment)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError({"reason": [_("请填写核销理由")]})
    if len(reason) > 2000:
        raise ServiceError({"reason": [_("核销理由不能超过2000个字符")]})
    if o.writeoff_requested_by_id:
        raise ServiceError({"status": [_("已申请核销，等待审批")]}, status=409)
    with audit.audited(o, object_repr=_repr(o), note=_("申请核销：%(r)s") % {"r": reason[:200]}):
        o.writeoff_reason = reason
        o.writeoff_requested_by, o.writeoff_requested_at = user, timezone.now()
        o.save(update_fields=["writeoff_reason", "writeoff_requested_by", "writeoff_requested_at"])
    return o


@transaction.atomic
def decide_writeoff(
    *, user, overpayment: Overpayment, approve: bool, reason: str = ""
) -> Overpayment:
    """A second person with the approving role approves (the balance is written off) or
    refuses (the request is withdrawn, with a reason)."""
    _guard(user, overpayment, approve=True)
    o = _locked(overpayment)
    if not o.writeoff_requested_by_id:
        raise ServiceError({"status": [_("尚未申请核销")]}, status=409)
    if o.writeoff_requested_by_id == user.pk:
        raise PermissionDeniedError(_("核销须由申请人以外的审批人员审批"))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ServiceError({"reason": [_("请填写不同意的理由")]})
    note = (
        _("同意核销 %(b)s 元") % {"b": f"{o.balance_fen / 100:.2f}"}
        if approve
        else _("不同意核销：%(r)s") % {"r": reason[:200]}
    )
    with audit.audited(o, object_repr=_repr(o), note=note):
        if approve:
            o.status = Overpayment.Status.WAIVED
            o.writeoff_approved_by, o.writeoff_approved_at = user, timezone.now()
            o.save(update_fields=["status", "writeoff_approved_by", "writeoff_approved_at"])
        else:
            o.writeoff_requested_by, o.writeoff_requested_at = None, None
            o.writeoff_reason = ""
            o.save(
                update_fields=["writeoff_reason", "writeoff_requested_by", "writeoff_requested_at"]
            )
    return o


# ---------------------------------------------------------------- the payroll's part


def add_deductions(*, run: PayrollRun) -> int:
    """Deduction lines of the run for the overpayments in deduction of its county (inside the
    caller's transaction). Idempotent: one deduction per overpayment and run."""
    plans = list(
        Overpayment.objects.filter(
            status__in=OPEN_STATUSES,
            method=Overpayment.Method.DEDUCT,
            deduct_monthly_fen__gt=0,
            entitlement__region__path__startswith=run.county.path,
            writeoff_requested_by__isnull=True,
        )
        .exclude(deductions__run=run)
        .order_by("entitlement_id", "id")
        .values("id", "entitlement_id", "amount_fen", "recovered_fen", "deduct_monthly_fen")
    )
    if not plans:
        return 0
    ids = [p["id"] for p in plans]
    on_the_way = dict(
        PayrollLine.objects.filter(
            recovers_id__in=ids, kind=PayrollLine.Kind.DEDUCTION, status__in=_ON_THE_WAY
        )
        .values("recovers_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("recovers_id", "total")
    )
    entitlements = {p["entitlement_id"] for p in plans}
    payments = {
        line.entitlement_id: line
        for line in PayrollLine.objects.filter(
            run=run,
            month=run.month,
            kind=PayrollLine.Kind.REGULAR,
            status=PayrollLine.Status.PENDING,
            entitlement_id__in=entitlements,
        )
    }
    taken = dict(
        PayrollLine.objects.filter(run=run, kind=PayrollLine.Kind.DEDUCTION)
        .exclude(status=PayrollLine.Status.CANCELLED)
        .values("entitlement_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("entitlement_id", "total")
    )
    now, new = timezone.now(), []
    for p in plans:
        payment = payments.get(p["entitlement_id"])
        if payment is None:
            continue  # not paid this month (suspended, ended): nothing to deduct from
        room = payment.amount_fen + taken.get(p["entitlement_id"], 0)
        balance = p["amount_fen"] - p["recovered_fen"] + on_the_way.get(p["id"], 0)
        amount = min(p["deduct_monthly_fen"], balance, room)
        if amount <= 0:
            continue
        taken[p["entitlement_id"]] = taken.get(p["entitlement_id"], 0) - amount
        new.append(
            PayrollLine(
                run=run,
                entitlement_id=payment.entitlement_id,
                household_id=payment.household_id,
                person_id=payment.person_id,
                region_id=payment.region_id,
                programme=payment.programme,
                month=run.month,
                kind=PayrollLine.Kind.DEDUCTION,
                attempt=1,
                amount_fen=-amount,
                recovers_id=p["id"],
                payee_name=payment.payee_name,
                bank_name=payment.bank_name,
                account_masked=payment.account_masked,
                created_at=now,
            )
        )
    PayrollLine.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def deductions_by_line(run: PayrollRun) -> dict[int, int]:
    """{regular line id: the (negative) deductions netted into it} for the run."""
    per_entitlement = dict(
        PayrollLine.objects.filter(run=run, kind=PayrollLine.Kind.DEDUCTION)
        .exclude(status=PayrollLine.Status.CANCELLED)
        .values("entitlement_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("entitlement_id", "total")
    )
    if not per_entitlement:
        return {}
    return {
        pk: per_entitlement[entitlement_id]
        for pk, entitlement_id in PayrollLine.objects.filter(
            run=run,
            month=run.month,
            kind=PayrollLine.Kind.REGULAR,
            entitlement_id__in=list(per_entitlement),
        ).values_list("pk", "entitlement_id")
    }


def settle_deductions(*, line: PayrollLine, outcome: str) -> None:
    """The bank's result for a payment carrying deductions: paid, they are recovered; failed,
    they are cancelled (taken again from a later payment)."""
    deductions = list(
        PayrollLine.objects.select_for_update().filter(
            run_id=line.run_id,
            entitlement_id=line.entitlement_id,
            kind=PayrollLine.Kind.DEDUCTION,
            status__in=_ON_THE_WAY,
        )
    )
    if not deductions:
        return
    if outcome != PayrollLine.Status.PAID:
        PayrollLine.objects.filter(pk__in=[d.pk for d in deductions]).update(
            status=PayrollLine.Status.CANCELLED
        )
        return
    PayrollLine.objects.filter(pk__in=[d.pk for d in deductions]).update(
        status=PayrollLine.Status.PAID, bank_return=line.bank_return
    )
    today = timezone.localdate()
    Repayment.objects.bulk_create(
        [
            Repayment(
                overpayment_id=d.recovers_id,
                method=Repayment.Method.DEDUCTION,
                amount_fen=-d.amount_fen,
                paid_on=today,
                receipt=str(line.pk),
                line=d,
            )
            for d in deductions
        ]
    )
    for o in Overpayment.objects.select_for_update().filter(
        pk__in={d.recovers_id for d in deductions}
    ):
        before = o.status
        _refresh(o)
        audit.record(
            "update",
            obj=o,
            object_repr=_repr(o),
            before={"status": before},
            after={"status": o.status, "recovered_fen": o.recovered_fen},
            note=_("发放抵扣追回"),
        )


def settle_netted_to_zero(*, run: PayrollRun) -> None:
    """At export: payments wholly taken by deductions send nothing to the bank; they are paid."""
    for pk, net in deductions_by_line(run).items():
        line = PayrollLine.objects.get(pk=pk)
        if line.status == PayrollLine.Status.EXPORTED and line.amount_fen + net <= 0:
            line.status = PayrollLine.Status.PAID
            line.save(update_fields=["status"])
            settle_deductions(line=line, outcome=PayrollLine.Status.PAID)


# ---------------------------------------------------------------- proposals from verification


def propose_from_income(
    *,
    household_id: int,
    first_month: dt.date,
    last_month: dt.date,
    monthly_income_fen: int,
    reference: str,
    note: str = "",
    user=None,
    person_id: int | None = None,
    **_ignored,
) -> list[Overpayment]:
    """Income found undeclared for the months from `first_month` to `last_month`: for each
    means-tested entitlement of the household, what was paid for those months beyond what the
    income leaves owed (低保 pays the gap to the standard, so each yuan of undeclared income is a
    yuan less owed, at most the month's payment). A proposal for staff: an open overpayment
    without a plan. Sending the same reference again adds nothing."""
    first_month, last_month = months.month_start(first_month), months.month_start(last_month)
    if monthly_income_fen <= 0 or last_month < first_month:
        return []
    found = []
    for entitlement in Entitlement.objects.filter(
        household_id=household_id, programme__in=MEANS_TESTED
    ).select_related("region", "household"):
        key = f"verification:{reference}:{entitlement.pk}"[:64]
        if Overpayment.objects.filter(source_key=key).exists():
            continue
        paid = (
            PayrollLine.objects.filter(
                entitlement=entitlement,
                month__gte=first_month,
                month__lte=last_month,
                kind__in=[PayrollLine.Kind.REGULAR, PayrollLine.Kind.BACK_PAY],
                status=PayrollLine.Status.PAID,
            )
            .values("month")
            .annotate(total=Sum("amount_fen"))
        )
        amount = sum(min(row["total"], monthly_income_fen) for row in paid if row["total"] > 0)
        if amount <= 0:
            continue
        text = note or _("核对发现 %(a)s 至 %(b)s 有未申报收入，每月约 %(i)s 元") % {
            "a": months.label(first_month),
            "b": months.label(last_month),
            "i": f"{monthly_income_fen / 100:.2f}",
        }
        o = Overpayment.objects.create(
            entitlement=entitlement,
            month=first_month,
            source_key=key,
            amount_fen=amount,
            reason=Overpayment.Reason.VERIFICATION,
            note=text[:300],
        )
        audit.record_created(o, object_repr=_repr(o), note=_("核对发现收入，生成追回建议"))
        found.append(o)
    return found


def overpayment_filters(qs, *, status: str = "", reason: str = "", township: str = ""):
    if status:
        qs = qs.filter(status=status)
    if reason:
        qs = qs.filter(reason=reason)
    if township:
        qs = qs.filter(entitlement__region__path__contains=f"/{township}/")
    return qs
