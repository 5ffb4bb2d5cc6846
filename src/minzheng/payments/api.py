"""JSON API of entitlements, payrolls, reviews and the standards simulator, mounted at
/api/v1/assistance/payments.

Records outside the caller's regions read as 404 and lists leave them out; a role that may not act
gets 403, an action the record's state does not allow 409, invalid input 422 naming the field.
Bank accounts are always masked: the full numbers appear only in the bank file, whose export is
audited. Money is in yuan (strings with two decimals) and months are "YYYY-MM".
"""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from minzheng.assistance.params import PROGRAMME_BY_CODE
from minzheng.core.apitypes import Date, Id, Month, OpenRecord, OptionalMonth, choice
from minzheng.core.errors import ServiceError
from minzheng.core.money import yuan_str, yuan_to_fen
from minzheng.core.pagination import Listing, paginated
from minzheng.regions.models import Region
from minzheng.regions.selectors import get_region

from . import backpay, months, oneoff, payroll, recompute, recovery, selectors, services
from .models import (
    Entitlement,
    Handover,
    OneOffBatch,
    OneOffItem,
    OneOffPayable,
    Overpayment,
    PayrollLine,
    PayrollRun,
    Review,
)

router = Router(tags=["assistance payments"])

Yuan = Decimal
_money = {"ge": 0, "le": Decimal("10000000"), "max_digits": 12, "decimal_places": 2}


# ---------------------------------------------------------------- schemas


class EntitlementReasonIn(Schema):
    reason: str = Field(max_length=2000, description="原因（必填）")


class ChangeIn(EntitlementReasonIn):
    amount: Yuan = Field(**_money, description="新的月发放金额（元）")
    from_month: Month = Field(description="自该月起执行，YYYY-MM")


class TerminateIn(EntitlementReasonIn):
    last_month: Month = Field(description="最后发放月份，YYYY-MM")


class ReviewClassIn(EntitlementReasonIn):
    review_class: choice(["A", "B", "C"]) = Field(
        description="复核类别：A 类每年、B 类每半年、C 类每季度"
    )


class EntitlementReviewIn(Schema):
    facts: dict | None = Field(
        default=None,
        description="复核时的家庭情况（与救助测算输入格式相同）；省略时按已存情况并从户籍更新年龄和死亡",
    )
    on: Date | None = Field(default=None, description="复核日期，默认今天")


class ReviewConfirmIn(Schema):
    accept: bool
    reason: str = Field(default="", max_length=2000, description="不采纳时必填")


class PayrollRunIn(Schema):
    county: str = Field(min_length=6, max_length=12, description="县（市、区）区划代码")
    month: Month = Field(description="发放月份，YYYY-MM")


class ExportIn(Schema):
    format: choice(["csv", "xlsx"]) = "csv"


class SimulateIn(Schema):
    programme: choice(PROGRAMME_BY_CODE) = Field(description="救助项目代码")
    key: str = Field(max_length=64)
    region: str = Field(min_length=6, max_length=12, description="区划代码")
    value: str | int | bool | list[str] = Field(
        description='新数值：金额以元计，如 "520"；比例如 "0.10"'
    )
    effective_from: Date


class OverpaymentFilter(Schema):
    status: choice(["", *Overpayment.Status.values]) = ""
    reason: choice(["", *Overpayment.Reason.values]) = ""
    township: str = Field(default="", max_length=12, description="乡镇（街道）区划代码")


class PlanIn(Schema):
    method: choice(["deduct", "repay"]) = Field(description="deduct：从以后发放中抵扣；repay：退回")
    monthly_amount: Yuan | None = Field(
        default=None, **_money, description="每月抵扣金额（元），抵扣时必填"
    )


class RepaymentIn(Schema):
    amount: Yuan = Field(**_money, description="退回金额（元）")
    paid_on: Date = Field(description="退回日期")
    receipt: str = Field(max_length=64, description="收据号")


class WriteoffIn(Schema):
    reason: str = Field(max_length=2000, description="核销理由（必填）")


class WriteoffDecisionIn(Schema):
    approve: bool
    reason: str = Field(default="", max_length=2000, description="不同意时必填")


class RecomputeIn(Schema):
    standard_id: Id


class EntitlementFilter(Schema):
    status: choice(["", *Entitlement.Status.values]) = ""
    programme: choice(["", *PROGRAMME_BY_CODE]) = ""
    region: str = ""
    q: str = ""


class LineFilter(Schema):
    status: choice(["", *PayrollLine.Status.values]) = ""


class RunFilter(Schema):
    county: str = ""
    month: OptionalMonth = ""


class DueFilter(Schema):
    on: Date | None = None


class EntitlementItemOut(OpenRecord):
    """One entitlement as listed (the detail adds facts, changes, lines and reviews)."""


class PayrollLineOut(OpenRecord):
    pass


class PayrollRunOut(OpenRecord):
    pass


class OverpaymentOut(OpenRecord):
    pass


class QueuedJobOut(Schema):
    job_id: str
    status: str


# ---------------------------------------------------------------- output


def _month(day) -> str | None:
    return months.label(day) if day else None


def _programme_name(code: str) -> str:
    spec = PROGRAMME_BY_CODE.get(code)
    return spec.name if spec else code


def entitlement_out(e: Entitlement) -> dict:
    return {
        "id": e.pk,
        "programme": e.programme,
        "programme_name": _programme_name(e.programme),
        "status": e.status,
        "status_label": e.get_status_display(),
        "household": {
            "id": e.household_id,
            "number": e.household.number,
            "head": e.household.head.name if e.household.head_id else "",
            "bank_name": e.household.bank_name,
            "bank_account_masked": e.household.bank_account_masked,
        },
        "person": {"id": e.person_id, "name": e.person.name, "id_number_masked": e.person.id_masked}
        if e.person_id
        else None,
        "region": {"code": e.region.code, "name": e.region.name},
        "start_month": _month(e.start_month),
        "end_month": _month(e.end_month),
        "monthly_amount": yuan_str(e.monthly_amount_fen),
        "amount_since": _month(e.amount_since),
        "amount_basis": e.amount_basis,
        "review_class": e.review_class,
        "next_review_on": e.next_review_on,
        "review_reason": e.review_reason,
        "case_id": e.case_id,
        "source": e.source,
    }


def line_out(line: PayrollLine) -> dict:
    return {
        "id": line.pk,
        "run_id": line.run_id,
        "entitlement_id": line.entitlement_id,
        "programme": line.programme,
        "month": _month(line.month),
        "attempt": line.attempt,
        "kind": line.kind,
        "kind_label": line.get_kind_display(),
        "amount": yuan_str(line.amount_fen),
        "payee_name": line.payee_name,
        "bank_name": line.bank_name,
        "account_masked": line.account_masked,
        "status": line.status,
        "status_label": line.get_status_display(),
        "failure_reason": line.failure_reason,
        "requeued_from": line.requeued_from_id,
    }


def review_out(r: Review) -> dict:
    return {
        "id": r.pk,
        "entitlement_id": r.entitlement_id,
        "performed_on": r.performed_on,
        "due_on": r.due_on,
        "eligible": r.eligible,
        "current_amount": yuan_str(r.current_amount_fen),
        "proposed_amount": yuan_str(r.proposed_amount_fen),
        "proposal": r.proposal,
        "proposal_label": r.get_proposal_display(),
        "status": r.status,
        "status_label": r.get_status_display(),
        "effective_month": _month(r.effective_month),
        "reasons": r.reasons,
        "verification": r.verification,
        "trace": r.trace,
        "standards": r.standards,
        "rule_version": r.rule_version,
        "decision_reason": r.decision_reason,
    }


def entitlement_detail_out(e: Entitlement) -> dict:
    return entitlement_out(e) | {
        "facts": e.facts,
        "standards": e.standards,
        "trace": e.trace,
        "rule_version": e.rule_version,
        "computed_on": e.computed_on,
        "changes": [
            {
                "id": c.pk,
                "kind": c.kind,
                "kind_label": c.get_kind_display(),
                "effective_month": _month(c.effective_month),
                "until_month": _month(c.until_month),
                "old_amount": yuan_str(c.old_amount_fen),
                "new_amount": yuan_str(c.new_amount_fen),
                "old_status": c.old_status,
                "new_status": c.new_status,
                "reason": c.reason,
                "by": c.by_name,
                "at": c.at,
                "standard_id": c.standard_id,
            }
            for c in selectors.changes_of(e)
        ],
        "lines": [line_out(line) for line in selectors.lines_of_entitlement(e)[:36]],
        "reviews": [review_out(r) for r in e.reviews.order_by("-id")[:10]],
        "overpayments": [overpayment_out(o) for o in e.overpayments.all()],
    }


def overpayment_out(o: Overpayment) -> dict:
    return {
        "id": o.pk,
        "entitlement_id": o.entitlement_id,
        "line_id": o.line_id,
        "month": _month(o.month),
        "amount": yuan_str(o.amount_fen),
        "recovered": yuan_str(o.recovered_fen),
        "balance": yuan_str(o.balance_fen),
        "reason": o.reason,
        "reason_label": o.get_reason_display(),
        "status": o.status,
        "status_label": o.get_status_display(),
        "method": o.method,
        "monthly_deduction": yuan_str(o.deduct_monthly_fen) if o.deduct_monthly_fen else None,
        "note": o.note,
        "flagged_at": o.flagged_at,
        "writeoff": {
            "reason": o.writeoff_reason,
            "requested_by": o.writeoff_requested_by.get_username()
            if o.writeoff_requested_by_id
            else None,
            "requested_at": o.writeoff_requested_at,
            "approved_by": o.writeoff_approved_by.get_username()
            if o.writeoff_approved_by_id
            else None,
            "approved_at": o.writeoff_approved_at,
        },
    }


def overpayment_detail_out(o: Overpayment) -> dict:
    return overpayment_out(o) | {
        "household": o.entitlement.household.number,
        "region": {"code": o.entitlement.region.code, "name": o.entitlement.region.name},
        "programme": o.entitlement.programme,
        "repayments": [
            {
                "id": r.pk,
                "method": r.method,
                "amount": yuan_str(r.amount_fen),
                "paid_on": r.paid_on,
                "receipt": r.receipt,
                "line_id": r.line_id,
            }
            for r in o.repayments.order_by("id")
        ],
        "deductions": [line_out(line) for line in o.deductions.order_by("id")],
    }


def run_out(run: PayrollRun) -> dict:
    back = backpay.back_pay_of(run)
    return {
        "back_pay": {"count": back["count"], "total": yuan_str(back["total_fen"])},
        "id": run.pk,
        "county": {"code": run.county.code, "name": run.county.name},
        "month": _month(run.month),
        "status": run.status,
        "status_label": run.get_status_display(),
        "line_count": run.line_count,
        "total": yuan_str(run.total_fen),
        "paid_count": run.paid_count,
        "paid": yuan_str(run.paid_fen),
        "failed_count": run.failed_count,
        "failed": yuan_str(run.failed_fen),
        "job_id": str(run.job_id) if run.job_id else None,
        "computed_at": run.computed_at,
        "approved_by": run.approved_by.get_username() if run.approved_by_id else None,
        "approved_at": run.approved_at,
        "exported_at": run.exported_at,
    }


def _region(code: str, field: str) -> Region:
    from minzheng.regions.services import resolve_code

    region = resolve_code(code)
    if region is None:
        raise ServiceError({field: [_("区划代码不存在：%(code)s") % {"code": code}]})
    return region


def _simulation_out(result: dict) -> dict:
    def money(d: dict) -> dict:
        return {
            k: (yuan_str(v) if k.startswith(("monthly", "yearly", "pending_monthly")) else v)
            for k, v in d.items()
        }

    listed = lambda rows: [
        {k: (yuan_str(v) if k.endswith("_fen") else v) for k, v in r.items()} for r in rows
    ]  # noqa: E731
    return {
        **{
            k: result[k]
            for k in (
                "programme",
                "programme_name",
                "key",
                "key_label",
                "unit",
                "region",
                "value",
                "current_value",
                "full_rules_evaluations",
            )
        },
        "effective_from": result["effective_from"].isoformat(),
        "from_month": _month(result["from_month"]),
        "counties": [money(row) for row in result["counties"]],
        "totals": money(result["totals"]),
        "becoming_ineligible": listed(result["becoming_ineligible"]),
        "pending_becoming_eligible": listed(result["pending_becoming_eligible"]),
        "pending_becoming_ineligible": listed(result["pending_becoming_ineligible"]),
    }


# ---------------------------------------------------------------- entitlements


@router.get("/entitlements", response=list[EntitlementItemOut])
@paginated()
def list_entitlements(request, filters: Query[EntitlementFilter]):
    qs = selectors.search_entitlements(
        request.user,
        status=filters.status,
        programme=filters.programme,
        region_code=filters.region,
        query=filters.q,
    ).order_by("id")
    return Listing(qs, entitlement_out)


@router.get("/entitlements/{int:entitlement_id}", response=dict)
def get_entitlement(request, entitlement_id: Id):
    return entitlement_detail_out(selectors.get_entitlement(request.user, entitlement_id))


def _act(request, entitlement_id: Id, action, **kwargs) -> dict:
    entitlement = selectors.get_entitlement(request.user, entitlement_id)
    action(user=request.user, entitlement=entitlement, **kwargs)
    return entitlement_detail_out(selectors.get_entitlement(request.user, entitlement_id))


@router.post("/entitlements/{int:entitlement_id}/suspend", response=dict)
def suspend(request, entitlement_id: Id, payload: EntitlementReasonIn):
    return _act(request, entitlement_id, services.suspend_entitlement, reason=payload.reason)


@router.post("/entitlements/{int:entitlement_id}/resume", response=dict)
def resume(request, entitlement_id: Id, payload: EntitlementReasonIn):
    return _act(request, entitlement_id, services.resume_entitlement, reason=payload.reason)


@router.post("/entitlements/{int:entitlement_id}/change", response=dict)
def change(request, entitlement_id: Id, payload: ChangeIn):
    return _act(
        request,
        entitlement_id,
        services.change_amount,
        amount_fen=yuan_to_fen(payload.amount),
        from_month=payload.from_month,
        reason=payload.reason,
    )


@router.post("/entitlements/{int:entitlement_id}/terminate", response=dict)
def terminate(request, entitlement_id: Id, payload: TerminateIn):
    return _act(
        request,
        entitlement_id,
        services.terminate_entitlement,
        last_month=payload.last_month,
        reason=payload.reason,
    )


@router.post("/entitlements/{int:entitlement_id}/review-class", response=dict)
def review_class(request, entitlement_id: Id, payload: ReviewClassIn):
    return _act(
        request,
        entitlement_id,
        services.set_review_class,
        review_class=payload.review_class,
        reason=payload.reason,
    )


@router.post("/entitlements/{int:entitlement_id}/reviews", response={201: dict})
def start_review(request, entitlement_id: Id, payload: EntitlementReviewIn):
    entitlement = selectors.get_entitlement(request.user, entitlement_id)
    review = services.start_review(
        user=request.user, entitlement=entitlement, facts=payload.facts, on=payload.on
    )
    return Status(201, review_out(review))


# ---------------------------------------------------------------- reviews


@router.get("/reviews/due", response=list[EntitlementItemOut])
@paginated()
def due_reviews(request, filters: Query[DueFilter]):
    return Listing(selectors.due_reviews_for(request.user, filters.on), entitlement_out)


@router.get("/reviews/{int:review_id}", response=dict)
def get_review(request, review_id: Id):
    return review_out(selectors.get_review(request.user, review_id))


@router.post("/reviews/{int:review_id}/confirm", response=dict)
def confirm_review(request, review_id: Id, payload: ReviewConfirmIn):
    review = selectors.get_review(request.user, review_id)
    return review_out(
        services.confirm_review(
            user=request.user, review=review, accept=payload.accept, reason=payload.reason
        )
    )


@router.get("/overpayments", response=list[OverpaymentOut])
@paginated()
def overpayments(request, filters: Query[OverpaymentFilter]):
    """Overpayments to recover in the caller's regions, newest first."""
    qs = recovery.overpayment_filters(
        selectors.overpayments_for(request.user),
        status=filters.status,
        reason=filters.reason,
        township=filters.township,
    ).order_by("-id")
    return Listing(qs, lambda o: overpayment_out(o) | {"household": o.entitlement.household.number})


@router.get("/overpayments/{int:overpayment_id}", response=dict)
def get_overpayment(request, overpayment_id: Id):
    return overpayment_detail_out(selectors.get_overpayment(request.user, overpayment_id))


@router.post("/overpayments/{int:overpayment_id}/plan", response=dict)
def set_plan(request, overpayment_id: Id, payload: PlanIn):
    """Recover by deduction from later payments (an amount per month) or by repayment."""
    o = selectors.get_overpayment(request.user, overpayment_id)
    monthly = yuan_to_fen(payload.monthly_amount) if payload.monthly_amount is not None else None
    recovery.set_plan(user=request.user, overpayment=o, method=payload.method, monthly_fen=monthly)
    return overpayment_detail_out(selectors.get_overpayment(request.user, overpayment_id))


@router.post("/overpayments/{int:overpayment_id}/repayments", response={201: dict})
def add_repayment(request, overpayment_id: Id, payload: RepaymentIn):
    o = selectors.get_overpayment(request.user, overpayment_id)
    recovery.record_repayment(
        user=request.user,
        overpayment=o,
        amount_fen=yuan_to_fen(payload.amount),
        paid_on=payload.paid_on,
        receipt=payload.receipt,
    )
    return Status(
        201, overpayment_detail_out(selectors.get_overpayment(request.user, overpayment_id))
    )


@router.post("/overpayments/{int:overpayment_id}/writeoff", response=dict)
def request_writeoff(request, overpayment_id: Id, payload: WriteoffIn):
    """Ask for the balance to be written off; a second person with the approving role decides."""
    o = selectors.get_overpayment(request.user, overpayment_id)
    recovery.request_writeoff(user=request.user, overpayment=o, reason=payload.reason)
    return overpayment_detail_out(selectors.get_overpayment(request.user, overpayment_id))


@router.post("/overpayments/{int:overpayment_id}/writeoff/decision", response=dict)
def decide_writeoff(request, overpayment_id: Id, payload: WriteoffDecisionIn):
    o = selectors.get_overpayment(request.user, overpayment_id)
    recovery.decide_writeoff(
        user=request.user, overpayment=o, approve=payload.approve, reason=payload.reason
    )
    return overpayment_detail_out(selectors.get_overpayment(request.user, overpayment_id))


@router.post("/deaths/scan", response={202: QueuedJobOut})
def scan_deaths(request):
    """Queue the death scan for the whole platform (county approvers and administrators)."""
    from minzheng.core import jobs
    from minzheng.core.errors import PermissionDeniedError

    from .params import PAYROLL_ROLES

    user = request.user
    if not (user.is_superuser or user.role in PAYROLL_ROLES) or not user.can_write:
        raise PermissionDeniedError(_("只有县级审批人员或系统管理员可以发起死亡人员核查"))
    job = jobs.enqueue("payments.scan_deaths", user=user, region=user.region)
    return Status(202, {"job_id": str(job.pk), "status": job.status})


# ---------------------------------------------------------------- payrolls


@router.get("/payrolls", response=list[PayrollRunOut])
@paginated()
def list_runs(request, filters: Query[RunFilter]):
    qs = selectors.runs_for(request.user)
    if filters.county:
        qs = qs.filter(county__code=filters.county)
    if filters.month:
        qs = qs.filter(month=months.parse(filters.month))
    return Listing(qs, run_out)


@router.post("/payrolls", response={201: dict})
def create_run(request, payload: PayrollRunIn):
    """Create (or find) the county's run for the month and start computing it."""
    county = _region(payload.county, "county")
    run = payroll.create_run(user=request.user, county=county, month=payload.month)
    if run.status in (PayrollRun.Status.DRAFT, PayrollRun.Status.COMPUTED):
        payroll.start_compute(user=request.user, run=run)
    return Status(201, run_out(selectors.get_run(request.user, run.pk)))


@router.get("/payrolls/{int:run_id}", response=dict)
def get_run(request, run_id: Id):
    return run_out(selectors.get_run(request.user, run_id))


@router.post("/payrolls/{int:run_id}/compute", response={202: QueuedJobOut})
def compute(request, run_id: Id):
    job = payroll.start_compute(user=request.user, run=selectors.get_run(request.user, run_id))
    return Status(202, {"job_id": str(job.pk), "status": job.status})


@router.post("/payrolls/{int:run_id}/approve", response=dict)
def approve(request, run_id: Id):
    return run_out(
        payroll.approve_payroll(user=request.user, run=selectors.get_run(request.user, run_id))
    )


@router.get("/payrolls/{int:run_id}/lines", response=list[PayrollLineOut])
@paginated(default=100, max_limit=1000)
def run_lines(request, run_id: Id, filters: Query[LineFilter]):
    run = selectors.get_run(request.user, run_id)
    qs = selectors.lines_of(run)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return Listing(qs, line_out)


@router.post("/payrolls/{int:run_id}/export", response={200: None})
def export(request, run_id: Id, payload: ExportIn):
    """The bank file with full account numbers (audited). Only after approval."""
    body, name, content_type = payroll.export_payroll(
        user=request.user, run=selectors.get_run(request.user, run_id), fmt=payload.format
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post("/payrolls/{int:run_id}/returns", response={201: dict})
def bank_return(request, run_id: Id, file: File[UploadedFile]):
    run = selectors.get_run(request.user, run_id)
    result = payroll.import_bank_return(
        user=request.user, run=run, file_name=file.name or "return.csv", content=file.read()
    )
    return Status(
        201,
        {
            "id": result.pk,
            "file_name": result.file_name,
            "rows": result.row_count,
            "paid": result.paid,
            "failed": result.failed,
            "unchanged": result.unchanged,
            "errors": result.errors,
            "details": result.rows,
            "run": run_out(selectors.get_run(request.user, run_id)),
        },
    )


# ---------------------------------------------------------------- standards


@router.post("/simulate", response=dict)
def simulate(request, payload: SimulateIn):
    """What a standard change would cost and whom it would move in or out, without saving."""
    region = get_region(request.user, payload.region)
    result = recompute.simulate_standard_change(
        user=request.user,
        programme=payload.programme,
        key=payload.key,
        region=region,
        value=payload.value,
        effective_from=payload.effective_from,
    )
    return _simulation_out(result)


@router.post("/recompute", response={202: QueuedJobOut})
def start_recompute(request, payload: RecomputeIn):
    """Recompute the entitlements a standard (already set) affects, from its effective month."""
    from minzheng.assistance.models import Standard
    from minzheng.core.errors import NotFoundOrOutOfScope

    standard = Standard.objects.select_related("region").filter(pk=payload.standard_id).first()
    if standard is None:
        raise NotFoundOrOutOfScope()
    job = recompute.start_recompute(user=request.user, standard=standard)
    return Status(202, {"job_id": str(job.pk), "status": job.status})


# ---------------------------------------------------------------- one-off payments


class OneOffPayableFilter(Schema):
    status: choice(["", *OneOffPayable.Status.values]) = ""
    programme: choice(["", *PROGRAMME_BY_CODE]) = ""
    county: str = Field(default="", max_length=12, description="县（市、区）区划代码")


class OneOffBatchIn(Schema):
    county: str = Field(min_length=6, max_length=12, description="县（市、区）区划代码")
    pay_date: Date = Field(description="发放日期，YYYY-MM-DD")


class OneOffBatchFilter(Schema):
    county: str = Field(default="", max_length=12)


class OneOffItemFilter(Schema):
    status: choice(["", *OneOffItem.Status.values]) = ""


class OneOffPayableOut(OpenRecord):
    """One payable: source, programme, household, village, amount (yuan), status, paid date."""


class OneOffBatchOut(OpenRecord):
    """One batch with its totals (yuan)."""


class OneOffItemOut(OpenRecord):
    """One item of a batch (the account masked)."""


def payable_out(p: OneOffPayable) -> dict:
    handover = getattr(p, "handover", None) if p.status in ("cash", "in_kind") else None
    return {
        "id": p.pk,
        "source_kind": p.source_kind,
        "source_id": p.source_id,
        "case_id": p.case_id,
        "programme": p.programme,
        "programme_name": _programme_name(p.programme),
        "household": p.household.number,
        "person": p.person.name if p.person_id else None,
        "region": {"code": p.region.code, "name": p.region.name},
        "amount": yuan_str(p.amount_fen),
        "decided_on": p.decided_on,
        "status": p.status,
        "status_label": p.get_status_display(),
        "paid_on": p.paid_on,
        "handover": None
        if handover is None
        else {
            "kind": handover.kind,
            "amount": yuan_str(handover.amount_fen) if handover.amount_fen is not None else None,
            "items": handover.items,
            "recipient_name": handover.recipient_name,
            "handed_by_name": handover.handed_by_name,
            "handed_on": handover.handed_on,
        },
    }


def batch_out(b: OneOffBatch, *, breakdown: bool = False) -> dict:
    out = {
        "id": b.pk,
        "county": {"code": b.county.code, "name": b.county.name},
        "pay_date": b.pay_date,
        "status": b.status,
        "status_label": b.get_status_display(),
        "line_count": b.line_count,
        "total": yuan_str(b.total_fen),
        "paid_count": b.paid_count,
        "paid": yuan_str(b.paid_fen),
        "failed_count": b.failed_count,
        "failed": yuan_str(b.failed_fen),
        "job_id": str(b.job_id) if b.job_id else None,
        "computed_at": b.computed_at,
        "approved_by": b.approved_by.get_username() if b.approved_by_id else None,
        "approved_at": b.approved_at,
        "exported_at": b.exported_at,
    }
    if breakdown:
        out["townships"] = [
            {
                "code": row["code"],
                "name": row["name"],
                "count": row["count"],
                "total": yuan_str(row["total_fen"]),
            }
            for row in oneoff.township_breakdown(b)
        ]
    return out


def item_out(i: OneOffItem) -> dict:
    return {
        "id": i.pk,
        "payable_id": i.payable_id,
        "attempt": i.attempt,
        "region": {"code": i.region.code, "name": i.region.name},
        "household": i.household.number,
        "payee_name": i.payee_name,
        "bank_name": i.bank_name,
        "account": i.account_masked,
        "programme": i.programme,
        "amount": yuan_str(i.amount_fen),
        "status": i.status,
        "status_label": i.get_status_display(),
        "failure_reason": i.failure_reason,
    }


@router.get("/oneoff/payables", response=list[OneOffPayableOut])
@paginated()
def list_payables(request, filters: Query[OneOffPayableFilter]):
    """Decided one-off amounts (temporary and medical assistance, …) and how they were paid."""
    qs = selectors.payables_for(request.user).order_by("-id")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.programme:
        qs = qs.filter(programme=filters.programme)
    if filters.county:
        qs = qs.filter(region__path__startswith=_region(filters.county, "county").path)
    return Listing(qs, payable_out)


@router.get("/oneoff/payables/{int:payable_id}", response=dict)
def get_payable(request, payable_id: Id):
    return payable_out(selectors.get_payable(request.user, payable_id))


@router.post("/oneoff/payables/{int:payable_id}/handover", response={201: dict})
def handover(
    request,
    payable_id: Id,
    kind: Form[choice(Handover.Kind.values)],
    recipient_name: Form[str],
    handed_by_name: Form[str],
    handed_on: Form[Date],
    file: File[UploadedFile],
    amount: Form[str] = "",
    items: Form[str] = "",
):
    """Record cash or goods handed over in person (with the signature or a photo, JPG/PNG/PDF ≤ 10 MB):
    the payable is settled and never sent to the bank."""
    payable = selectors.get_payable(request.user, payable_id)
    amount_fen = None
    if kind == "cash":
        try:
            amount_fen = yuan_to_fen(amount)
        except (ValueError, ArithmeticError):
            raise ServiceError({"amount": [_("请填写现金金额（元，最多两位小数）")]}) from None
    try:
        oneoff.record_handover(
            user=request.user,
            payable=payable,
            kind=kind,
            recipient_name=recipient_name[:200],
            handed_by_name=handed_by_name[:200],
            handed_on=handed_on,
            amount_fen=amount_fen,
            items=items[:1000],
            evidence=file,
        )
    except ServiceError as exc:
        if "amount_fen" in exc.errors:
            exc.errors["amount"] = exc.errors.pop("amount_fen")
        if "evidence" in exc.errors:
            exc.errors["file"] = exc.errors.pop("evidence")
        raise
    return Status(201, payable_out(selectors.get_payable(request.user, payable_id)))


@router.get("/oneoff/batches", response=list[OneOffBatchOut])
@paginated()
def list_batches(request, filters: Query[OneOffBatchFilter]):
    qs = selectors.batches_for(request.user)
    if filters.county:
        qs = qs.filter(county__code=filters.county)
    return Listing(qs, batch_out)


@router.post("/oneoff/batches", response={201: dict})
def create_batch(request, payload: OneOffBatchIn):
    """Create (or find) the county's batch for the pay date and start building it from the
    county's pending payables and failed payments to re-issue."""
    county = _region(payload.county, "county")
    batch = oneoff.create_batch(user=request.user, county=county, pay_date=payload.pay_date)
    if batch.status in oneoff.OPEN_BATCH:
        oneoff.start_fill(user=request.user, batch=batch)
    return Status(201, batch_out(selectors.get_batch(request.user, batch.pk), breakdown=True))


@router.get("/oneoff/batches/{int:batch_id}", response=dict)
def get_batch(request, batch_id: Id):
    """The batch with its totals and its breakdown by township (street)."""
    return batch_out(selectors.get_batch(request.user, batch_id), breakdown=True)


@router.post("/oneoff/batches/{int:batch_id}/fill", response={202: QueuedJobOut})
def fill_batch(request, batch_id: Id):
    job = oneoff.start_fill(user=request.user, batch=selectors.get_batch(request.user, batch_id))
    return Status(202, {"job_id": str(job.pk), "status": job.status})


@router.post("/oneoff/batches/{int:batch_id}/approve", response=dict)
def approve_batch(request, batch_id: Id):
    batch = oneoff.approve_batch(
        user=request.user, batch=selectors.get_batch(request.user, batch_id)
    )
    return batch_out(batch, breakdown=True)


@router.get("/oneoff/batches/{int:batch_id}/items", response=list[OneOffItemOut])
@paginated(default=100, max_limit=1000)
def batch_items(request, batch_id: Id, filters: Query[OneOffItemFilter]):
    qs = selectors.items_of(selectors.get_batch(request.user, batch_id))
    if filters.status:
        qs = qs.filter(status=filters.status)
    return Listing(qs, item_out)


@router.post("/oneoff/batches/{int:batch_id}/export", response={200: None})
def export_batch(request, batch_id: Id, payload: ExportIn):
    """The bank file (the payroll's format) with full account numbers (audited). Only after approval."""
    body, name, content_type = oneoff.export_batch(
        user=request.user, batch=selectors.get_batch(request.user, batch_id), fmt=payload.format
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post("/oneoff/batches/{int:batch_id}/returns", response={201: dict})
def batch_returns(request, batch_id: Id, file: File[UploadedFile]):
    """The bank's return file (the payroll's columns: 流水号, 金额, 结果, 失败原因)."""
    batch = selectors.get_batch(request.user, batch_id)
    result = oneoff.import_returns(
        user=request.user, batch=batch, file_name=file.name or "return.csv", content=file.read()
    )
    return Status(
        201,
        {
            "id": result.pk,
            "file_name": result.file_name,
            "rows": result.row_count,
            "paid": result.paid,
            "failed": result.failed,
            "unchanged": result.unchanged,
            "errors": result.errors,
            "details": result.rows,
            "batch": batch_out(selectors.get_batch(request.user, batch_id), breakdown=True),
        },
    )
