"""Writes of entitlements: creation at county approval, suspension, resumption, manual change and
termination with reasons, the death scan, and periodic reviews. One function per action,
keyword-only, one transaction, the entitlement row locked, an EntitlementChange row and an audit
event written with the change.

Payroll services live in `payroll.py`, standard-change recomputation and the simulator in
`recompute.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import actor_name
from minzheng.assistance.params import PROGRAMME_BY_CODE
from minzheng.assistance.selectors import all_standards_in_force
from minzheng.core import audit
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope
from minzheng.people.models import HouseholdMember
from minzheng.verification.selectors import findings_for_household

from . import months, selectors
from .evaluation import Evaluation, current_facts, evaluate, members_or_household
from .models import Entitlement, EntitlementChange, Overpayment, PayrollLine, PayrollRun, Review
from .params import ENTITLEMENT_WRITERS, PER_PERSON_PROGRAMMES, add_months_to_date, review_months

Progress = Callable[[int, int, str], None] | None

# Members of working age without a severe disability or serious illness count as able to work.
WORKING_AGE = (16, 59)


# ---------------------------------------------------------------- helpers


def _guard_write(user, entitlement: Entitlement) -> None:
    """404 outside the user's regions, 403 for a role that may not change entitlements."""
    if user is None or not user.is_authenticated or not (user.is_superuser or user.is_staff_role):
        raise NotFoundOrOutOfScope()
    if not region_in_scope(user, entitlement.region):
        raise NotFoundOrOutOfScope()
    if not (user.is_superuser or user.role in ENTITLEMENT_WRITERS) or not user.can_write:
        raise PermissionDeniedError(
            _("当前账号（%(role)s）无权办理待遇变更") % {"role": user.get_role_display()}
        )


def _locked(entitlement: Entitlement) -> Entitlement:
    return (
        Entitlement.objects.select_for_update(of=("self",))
        .select_related("region", "household", "person")
        .get(pk=entitlement.pk)
    )


def _reason(reason: str | None, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError({field: [_("请填写原因")]})
    if len(reason) > 2000:
        raise ServiceError({field: [_("原因不能超过2000个字符")]})
    return reason


def _month(value, field: str) -> dt.date:
    if isinstance(value, str):
        try:
            return months.parse(value)
        except ValueError:
            raise ServiceError({field: [_("月份格式应为 YYYY-MM")]}) from None
    if not isinstance(value, dt.date):
        raise ServiceError({field: [_("请填写月份")]})
    return months.month_start(value)


def _record_change(
    entitlement: Entitlement,
    *,
    kind: str,
    effective_month: dt.date,
    reason: str,
    user,
    old_amount=None,
    new_amount=None,
    old_status: str = "",
    new_status: str = "",
    snapshot: dict | None = None,
    standard=None,
) -> EntitlementChange:
    return EntitlementChange.objects.create(
        entitlement=entitlement,
        kind=kind,
        effective_month=effective_month,
        old_amount_fen=old_amount,
        new_amount_fen=new_amount,
        old_status=old_status,
        new_status=new_status,
        reason=reason,
        standard=standard,
        snapshot=audit.jsonable(snapshot) if snapshot is not None else None,
        by=user if getattr(user, "pk", None) else None,
        by_name=actor_name(user, nobody="system"),
        at=timezone.now(),
    )


def set_amount(
    entitlement: Entitlement,
    *,
    amount_fen: int,
    from_month: dt.date,
    kind: str,
    reason: str,
    user,
    snapshot: dict | None = None,
    standard=None,
) -> EntitlementChange:
    """Put a new amount in force from `from_month` on: earlier periods end there, later ones are
    superseded (kept in the history with an empty period). Inside a transaction holding the
    entitlement's lock; for this module's services and for the services of modules whose
    entitlements the payroll pays (they have checked the user's right themselves)."""
    old = selectors.amount_for_month(entitlement, from_month)
    periods = EntitlementChange.objects.filter(
        entitlement=entitlement, new_amount_fen__isnull=False
    )
    periods.filter(effective_month__lt=from_month).filter(
        Q(until_month__isnull=True) | Q(until_month__gt=from_month)
    ).update(until_month=from_month)
    periods.filter(effective_month__gte=from_month).filter(
        Q(until_month__isnull=True) | Q(until_month__gt=F("effective_month"))
    ).update(until_month=F("effective_month"))
    change = _record_change(
        entitlement,
        kind=kind,
        effective_month=from_month,
        reason=reason,
        user=user,
        old_amount=old,
        new_amount=amount_fen,
        snapshot=snapshot,
        standard=standard,
    )
    entitlement.monthly_amount_fen = amount_fen
    entitlement.amount_since = from_month
    return change


def person_entitlement(
    *,
    programme: str,
    person_id: int,
    household_id: int,
    region_id: int,
    on: dt.date,
    start_month: dt.date,
    end_month: dt.date | None = None,
    amount_fen: int,
    basis: dict,
    standard_detail,
    rule_version: str,
) -> Entitlement:
    """An unsaved monthly entitlement of one person that another module's register decides (the
    orphan allowance, the special-care pension), paid by the payroll from `start_month` at
    `amount_fen`; `basis` is what the programme's calculator reads when a standard changes. For
    `open_person_entitlement` and for those modules' set-based bulk inserts."""
    return Entitlement(
        programme=programme,
        household_id=household_id,
        person_id=person_id,
        beneficiary_key=f"p{person_id}",
        region_id=region_id,
        status=Entitlement.Status.ACTIVE,
        start_month=start_month,
        end_month=end_month,
        monthly_amount_fen=amount_fen,
        amount_since=start_month,
        amount_basis=Entitlement.AmountBasis.RULES,
        facts=dict(basis),
        basis=basis,
        standards=[standard_detail.as_detail()] if hasattr(standard_detail, "as_detail") else [],
        trace=[],
        rule_version=rule_version,
        computed_on=on,
        next_review_on=None,
        source=Entitlement.Source.ENROLMENT,
    )


def open_person_entitlement(*, user, note: str, duplicate_error: dict, **fields) -> Entitlement:
    """Save a `person_entitlement(**fields)` with its creation in the history (the standard it came
    from) and an audit event. Inside the caller's transaction, after the caller checked the user's
    right and locked its own record; a live entitlement of the programme for the person already
    is a 409 with `duplicate_error`."""
    entitlement = person_entitlement(**fields)
    try:
        with transaction.atomic():
            entitlement.save()
    except IntegrityError:
        raise ServiceError(duplicate_error, status=409) from None
    EntitlementChange.objects.create(
        entitlement=entitlement,
        kind=EntitlementChange.Kind.CREATE,
        effective_month=entitlement.start_month,
        new_amount_fen=entitlement.monthly_amount_fen,
        new_status=Entitlement.Status.ACTIVE,
        reason=note,
        snapshot={"basis": entitlement.basis, "standards": entitlement.standards},
        by=user,
        by_name=actor_name(user, nobody="system"),
        at=timezone.now(),
    )
    audit.record_created(entitlement, note=note)
    return entitlement


def refresh_run_totals(run: PayrollRun) -> PayrollRun:
    # Totals are what goes to the bank (deductions netted in); counts are payments, not deductions.
    lines = PayrollLine.objects.filter(run=run)
    counted = lines.exclude(status__in=[PayrollLine.Status.CANCELLED])
    totals = counted.aggregate(total=Sum("amount_fen"))
    paid = lines.filter(status=PayrollLine.Status.PAID).aggregate(total=Sum("amount_fen"))
    payments = lines.exclude(kind=PayrollLine.Kind.DEDUCTION)
    failed = lines.filter(
        status__in=[PayrollLine.Status.FAILED, PayrollLine.Status.REQUEUED]
    ).aggregate(total=Sum("amount_fen"))
    run.line_count = counted.exclude(kind=PayrollLine.Kind.DEDUCTION).count()
    run.total_fen = totals["total"] or 0
    run.paid_count = payments.filter(status=PayrollLine.Status.PAID).count()
    run.paid_fen = paid["total"] or 0
    run.failed_count = lines.filter(
        status__in=[PayrollLine.Status.FAILED, PayrollLine.Status.REQUEUED]
    ).count()
    run.failed_fen = failed["total"] or 0
    PayrollRun.objects.filter(pk=run.pk).update(
        line_count=run.line_count,
        total_fen=run.total_fen,
        paid_count=run.paid_count,
        paid_fen=run.paid_fen,
        failed_count=run.failed_count,
        failed_fen=run.failed_fen,
    )
    return run


def _stop_lines_after(
    entitlement: Entitlement, last_month: dt.date, *, overpayment_reason: str, note: str
) -> dict:
    """Payments for months after `last_month`: dropped from runs not yet approved, cancelled in
    approved runs not yet exported, and flagged for recovery when they went to the bank."""
    later = PayrollLine.objects.filter(entitlement=entitlement, month__gt=last_month)
    open_runs = set(
        later.filter(status=PayrollLine.Status.PENDING).values_list("run_id", flat=True)
    )
    dropped = later.filter(
        status=PayrollLine.Status.PENDING,
        run__status__in=[PayrollRun.Status.DRAFT, PayrollRun.Status.COMPUTED],
    ).delete()[0]
    cancelled = later.filter(status=PayrollLine.Status.PENDING).update(
        status=PayrollLine.Status.CANCELLED
    )
    flagged = 0
    for line in (
        later.filter(status__in=[PayrollLine.Status.EXPORTED, PayrollLine.Status.PAID])
        .exclude(kind=PayrollLine.Kind.DEDUCTION)  # money kept back, not paid out
        .exclude(overpayment__isnull=False)
    ):
        Overpayment.objects.create(
            line=line,
            entitlement=entitlement,
            month=line.month,
            amount_fen=line.amount_fen,
            reason=overpayment_reason,
            note=note[:300],
        )
        flagged += 1
    for run in PayrollRun.objects.filter(pk__in=open_runs):
        refresh_run_totals(run)
    return {"dropped": dropped, "cancelled": cancelled, "overpayments": flagged}


def _positive(value) -> bool:
    try:
        return Decimal(str(value or 0)) > 0
    except InvalidOperation:
        return False


def _review_class(programme: str, evaluation: Evaluation) -> str:
    """A class to start with (the clerk may change it): households with nobody able to work are
    A; with an able member earning wages or business income (irregular) C; otherwise B."""
    if programme not in ("dibao_urban", "dibao_rural"):
        return Entitlement.ReviewClass.A
    able_earning = able = False
    for member in evaluation.facts.get("members", []):
        if member.get("excluded_reason"):
            continue
        age = member.get("age")
        severe = (member.get("disability_grade") or 9) <= 2 or member.get("serious_illness")
        if isinstance(age, int) and WORKING_AGE[0] <= age <= WORKING_AGE[1] and not severe:
            able = True
            income = member.get("income") or {}
            if any(_positive(income.get(kind)) for kind in ("wage", "business")):
                able_earning = True
    if able_earning:
        return Entitlement.ReviewClass.C
    return Entitlement.ReviewClass.B if able else Entitlement.ReviewClass.A


def next_review_date(
    *, review_class: str, region, programme: str, after: dt.date, standards: dict | None = None
) -> dt.date:
    if standards is None:
        standards = all_standards_in_force(region, after)
    urban_rural = region.urban_rural or ("rural" if programme == "dibao_rural" else "urban")
    return add_months_to_date(
        after, review_months(review_class, urban_rural, programme=programme, standards=standards)
    )


def _snapshot(evaluation: Evaluation) -> dict:
    return {
        "facts": evaluation.facts,
        "standards": evaluation.standards,
        "trace": evaluation.trace,
        "rule_version": evaluation.rule_version,
        "basis": evaluation.basis,
        "computed_on": evaluation.on.isoformat(),
        "eligible": evaluation.eligible,
        "reasons": evaluation.reasons,
    }


# ---------------------------------------------------------------- creation


def beneficiary_key(household_id: int, person_id: int | None) -> str:
    return f"p{person_id}" if person_id else f"h{household_id}"


def _household_has_dibao(household_id: int) -> bool:
    return (
        Entitlement.objects.filter(
            household_id=household_id, programme__in=["dibao_urban", "dibao_rural"]
        )
        .exclude(status=Entitlement.Status.TERMINATED)
        .exists()
    )


@transaction.atomic
def create_entitlement(
    *,
    user,
    programme: str,
    household,
    region,
    approved_on: dt.date,
    facts: dict,
    person=None,
    decided_amount_fen: int | None = None,
    case=None,
    source: str = Entitlement.Source.CASE,
    reason: str = "",
) -> Entitlement:
    """Compute the amount with the rules and the standards in force on `approved_on`, and create
    the entitlement from the month after. A county's decided amount, when given, is the amount
    (the rules' figure stays in the snapshot; equal to it, the entitlement follows the rules).
    Facts without members are completed from the household register. A household the rules
    cannot compute without a decided amount gets a suspended entitlement of 0 for the clerk."""
    spec = PROGRAMME_BY_CODE.get(programme)
    if spec is not None and spec.kind != "monthly":
        raise ServiceError({"programme": [_("一次性救助项目不生成按月待遇")]})
    if programme in PER_PERSON_PROGRAMMES and person is None:
        raise ServiceError({"person": [_("该项目按人发放，须指定享受人员")]})
    hukou = person.hukou_type if person is not None else ""
    if programme == "tekun" and not hukou and household.head_id:
        hukou = household.head.hukou_type
    facts = current_facts(
        members_or_household(facts, household),
        on=approved_on,
        hukou_type=hukou if programme == "tekun" else "",
    )
    if programme == "disability_living" and "dibao_household" not in facts:
        facts["dibao_household"] = _household_has_dibao(household.pk)
    standards = all_standards_in_force(region, approved_on)
    evaluation = evaluate(programme, facts, region=region, on=approved_on, standards=standards)
    start = months.next_month(approved_on)
    status = Entitlement.Status.ACTIVE
    by_rules = evaluation.computed and evaluation.eligible
    if decided_amount_fen is not None and not (
        by_rules and decided_amount_fen == evaluation.amount_fen
    ):
        amount, amount_basis = decided_amount_fen, Entitlement.AmountBasis.DECIDED
    elif by_rules:
        amount, amount_basis = evaluation.amount_fen, Entitlement.AmountBasis.RULES
    else:
        amount, amount_basis, status = (
            0,
            Entitlement.AmountBasis.DECIDED,
            Entitlement.Status.SUSPENDED,
        )
    review_class = _review_class(programme, evaluation)
    entitlement = Entitlement(
        programme=programme,
        household=household,
        person=person,
        region=region,
        status=status,
        beneficiary_key=beneficiary_key(household.pk, person.pk if person else None),
        start_month=start,
        monthly_amount_fen=amount,
        amount_since=start,
        amount_basis=amount_basis,
        facts=evaluation.facts,
        basis=evaluation.basis if amount_basis == Entitlement.AmountBasis.RULES else None,
        standards=evaluation.standards,
        trace=evaluation.trace,
        rule_version=evaluation.rule_version,
        computed_on=approved_on,
        review_class=review_class,
        next_review_on=next_review_date(
            review_class=review_class,
            region=region,
            programme=programme,
            after=approved_on,
            standards=standards,
        ),
        review_reason=""
        if status == Entitlement.Status.ACTIVE
        else _("按规则无法核定金额，请复核"),
        case=case,
        source=source,
    )
    try:
        with transaction.atomic():
            entitlement.save()
    except IntegrityError:
        raise ServiceError(
            {"programme": [_("该对象已有同一项目的在享待遇，不能重复核定")]}, status=409
        ) from None
    note = reason or _("核定待遇，自%(m)s起发放") % {"m": months.label(start)}
    _record_change(
        entitlement,
        kind=EntitlementChange.Kind.CREATE,
        effective_month=start,
        reason=note,
        user=user,
        new_amount=amount,
        new_status=status,
        snapshot=_snapshot(evaluation) | {"amount_basis": amount_basis, "error": evaluation.error},
    )
    if status != Entitlement.Status.ACTIVE:
        _record_change(
            entitlement,
            kind=EntitlementChange.Kind.FLAG,
            effective_month=start,
            user=user,
            reason=evaluation.error
            or "; ".join(r["message"] for r in evaluation.reasons)
            or entitlement.review_reason,
        )
    audit.record_created(entitlement, note=note)
    return entitlement


def on_case_approved(case) -> Entitlement | None:
    """Called by the cases module inside the county approval's transaction. Monthly programmes
    get an entitlement from the month after approval; one-off programmes nothing. Idempotent."""
    spec = PROGRAMME_BY_CODE.get(case.programme)
    if spec is None or spec.kind != "monthly":
        return None
    existing = Entitlement.objects.filter(case=case).first()
    if existing is not None:
        return existing
    decision = case.decisions.filter(level="county", outcome="approve").order_by("-id").first()
    approved_on = (
        case.closed_on or (decision.decided_on if decision else None) or timezone.localdate()
    )
    user = decision.decided_by if decision else None
    person = case.applicant if case.programme in PER_PERSON_PROGRAMMES else None
    return create_entitlement(
        user=user,
        programme=case.programme,
        household=case.household,
        region=case.region,
        approved_on=approved_on,
        facts=case.facts or {},
        person=person,
        decided_amount_fen=decision.amount_fen if decision else None,
        case=case,
        reason=_("申请 %(n)s 经县级审批批准，自%(m)s起发放")
        % {"n": case.number, "m": months.label(months.next_month(approved_on))},
    )


# ---------------------------------------------------------------- changes


@transaction.atomic
def suspend_entitlement(*, user, entitlement: Entitlement, reason: str) -> Entitlement:
    """Stop paying until resumed: payrolls computed while suspended leave it out."""
    _guard_write(user, entitlement)
    reason = _reason(reason)
    entitlement = _locked(entitlement)
    if entitlement.status != Entitlement.Status.ACTIVE:
        raise ServiceError({"status": [_("只有正常发放的待遇可以暂停")]}, status=409)
    with audit.audited(entitlement, note=reason):
        entitlement.status = Entitlement.Status.SUSPENDED
        entitlement.save(update_fields=["status", "updated_at"])
        _record_change(
            entitlement,
            kind=EntitlementChange.Kind.SUSPEND,
            effective_month=months.month_start(timezone.localdate()),
            reason=reason,
            user=user,
            old_status="active",
            new_status="suspended",
        )
    return entitlement


@transaction.atomic
def resume_entitlement(*, user, entitlement: Entitlement, reason: str) -> Entitlement:
    _guard_write(user, entitlement)
    reason = _reason(reason)
    entitlement = _locked(entitlement)
    if entitlement.status != Entitlement.Status.SUSPENDED:
        raise ServiceError({"status": [_("只有暂停发放的待遇可以恢复")]}, status=409)
    if entitlement.monthly_amount_fen <= 0:
        raise ServiceError({"amount": [_("待遇金额为0，请先核定金额再恢复发放")]}, status=409)
    with audit.audited(entitlement, note=reason):
        entitlement.status = Entitlement.Status.ACTIVE
        entitlement.save(update_fields=["status", "updated_at"])
        _record_change(
            entitlement,
            kind=EntitlementChange.Kind.RESUME,
            effective_month=months.month_start(timezone.localdate()),
            reason=reason,
            user=user,
            old_status="suspended",
            new_status="active",
        )
    return entitlement


@transaction.atomic
def change_amount(
    *, user, entitlement: Entitlement, amount_fen: int, from_month, reason: str
) -> Entitlement:
    """A decided amount from a month on (e.g. after a county decision on an objection)."""
    _guard_write(user, entitlement)
    reason = _reason(reason)
    from_month = _month(from_month, "from_month")
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen < 0:
        raise ServiceError({"amount": [_("金额应为非负数")]})
    entitlement = _locked(entitlement)
    if entitlement.status == Entitlement.Status.TERMINATED:
        raise ServiceError({"status": [_("待遇已终止，不能调整金额")]}, status=409)
    with audit.audited(entitlement, note=reason):
        set_amount(
            entitlement,
            amount_fen=amount_fen,
            from_month=from_month,
            kind=EntitlementChange.Kind.CHANGE,
            reason=reason,
            user=user,
        )
        entitlement.amount_basis = Entitlement.AmountBasis.DECIDED
        entitlement.basis = None
        entitlement.save()
    return entitlement


@transaction.atomic
def set_review_class(
    *, user, entitlement: Entitlement, review_class: str, reason: str
) -> Entitlement:
    _guard_write(user, entitlement)
    reason = _reason(reason)
    if review_class not in Entitlement.ReviewClass.values:
        raise ServiceError({"review_class": [_("复核类别应为 A、B 或 C")]})
    entitlement = _locked(entitlement)
    with audit.audited(entitlement, note=reason):
        entitlement.review_class = review_class
        last = (
            entitlement.reviews.filter(status=Review.Status.CONFIRMED)
            .order_by("-performed_on")
            .values_list("performed_on", flat=True)
            .first()
        )
        entitlement.next_review_on = next_review_date(
            review_class=review_class,
            region=entitlement.region,
            programme=entitlement.programme,
            after=last or entitlement.computed_on,
        )
        entitlement.save()
    return entitlement


def end_entitlement(
    entitlement: Entitlement, *, last_month: dt.date, reason: str, user, overpayment_reason: str
) -> dict:
    """Stop for good after `last_month`, payments already made for later months flagged for
    recovery. Inside a transaction holding the entitlement's lock; called like `set_amount`."""
    with audit.audited(entitlement, note=reason):
        old_status = entitlement.status
        if entitlement.end_month is None or entitlement.end_month > last_month:
            entitlement.end_month = last_month
        entitlement.status = Entitlement.Status.TERMINATED
        entitlement.next_review_on = None
        entitlement.save()
        effects = _stop_lines_after(
            entitlement, entitlement.end_month, overpayment_reason=overpayment_reason, note=reason
        )
        _record_change(
            entitlement,
            kind=EntitlementChange.Kind.TERMINATE,
            effective_month=months.add_months(entitlement.end_month, 1),
            reason=reason,
            user=user,
            old_status=old_status,
            new_status="terminated",
            snapshot=effects,
        )
    return effects


@transaction.atomic
def terminate_entitlement(
    *, user, entitlement: Entitlement, last_month, reason: str
) -> Entitlement:
    """Stop for good after `last_month` (the last month owed). Payments already made for later
    months are flagged for recovery."""
    _guard_write(user, entitlement)
    reason = _reason(reason)
    last_month = _month(last_month, "last_month")
    entitlement = _locked(entitlement)
    if entitlement.status == Entitlement.Status.TERMINATED:
        raise ServiceError({"status": [_("待遇已终止")]}, status=409)
    if last_month < months.add_months(entitlement.start_month, -1):
        raise ServiceError({"last_month": [_("最后发放月份不能早于起始发放月份的上一个月")]})
    end_entitlement(
        entitlement,
        last_month=last_month,
        reason=reason,
        user=user,
        overpayment_reason=Overpayment.Reason.TERMINATED,
    )
    return entitlement


# ---------------------------------------------------------------- deaths


def scan_deaths(*, on: dt.date | None = None, progress: Progress = None) -> dict:
    """Find live entitlements whose beneficiary died in the registry. A person's entitlement stops
    after the month of death and payments for later months are flagged for recovery; a
    household's stops when no member is left alive, and otherwise is flagged for an early
    review (its size changed). Idempotent: each entitlement in its own transaction, each death
    handled once."""
    on = on or timezone.localdate()
    report = progress or (lambda done, total, message: None)
    dead_members = HouseholdMember.objects.filter(
        until__isnull=True, person__death_date__isnull=False, person__death_date__lte=on
    )
    candidates = list(
        Entitlement.objects.exclude(status=Entitlement.Status.TERMINATED)
        .filter(
            Q(person__death_date__lte=on)
            | Q(person__isnull=True, household_id__in=dead_members.values("household_id"))
        )
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    result = {
        "checked": len(candidates),
        "terminated": 0,
        "flagged_for_review": 0,
        "overpayments": 0,
    }
    report(0, len(candidates), _("核查死亡人员"))
    for done, pk in enumerate(candidates, start=1):
        with transaction.atomic():
            entitlement = (
                Entitlement.objects.select_for_update(of=("self",))
                .select_related("person", "region")
                .get(pk=pk)
            )
            if entitlement.status != Entitlement.Status.TERMINATED:
                _handle_death(entitlement, on, result)
        report(done, len(candidates), _("核查死亡人员"))
    if candidates:
        audit.record(
            "update",
            object_type="payments.entitlement",
            object_repr=_("死亡人员核查"),
            after=result,
            note=_(
                "核查 %(checked)s 项待遇：终止 %(terminated)s 项，提示复核 %(flagged_for_review)s 项，多发待追回 %(overpayments)s 笔"
            )
            % result,
        )
    return result


def _handle_death(entitlement: Entitlement, on: dt.date, result: dict) -> None:
    person = entitlement.person
    if person is not None:
        if person.death_date is None or person.death_date > on:
            return
        reason = _("%(name)s 于 %(d)s 死亡（户籍登记），自次月起停发") % {
            "name": person.name,
            "d": person.death_date.isoformat(),
        }
        effects = end_entitlement(
            entitlement,
            last_month=months.month_start(person.death_date),
            reason=reason,
            user=None,
            overpayment_reason=Overpayment.Reason.DEATH,
        )
        result["terminated"] += 1
        result["overpayments"] += effects["overpayments"]
        return
    members = list(
        HouseholdMember.objects.filter(
            household_id=entitlement.household_id, until__isnull=True
        ).select_related("person")
    )
    dead = [
        m.person for m in members if m.person.death_date is not None and m.person.death_date <= on
    ]
    if dead and len(dead) == len(members):
        last = max(p.death_date for p in dead)
        reason = _("家庭成员均已死亡（户籍登记，最后一人 %(d)s），自次月起停发") % {
            "d": last.isoformat()
        }
        effects = end_entitlement(
            entitlement,
            last_month=months.month_start(last),
            reason=reason,
            user=None,
            overpayment_reason=Overpayment.Reason.DEATH,
        )
        result["terminated"] += 1
        result["overpayments"] += effects["overpayments"]
        return
    flagged = {
        c.get("person_id")
        for c in entitlement.changes.filter(kind=EntitlementChange.Kind.FLAG).values_list(
            "snapshot", flat=True
        )
        if c
    }
    new = [p for p in dead if p.pk not in flagged]
    for p in new:
        _record_change(
            entitlement,
            kind=EntitlementChange.Kind.FLAG,
            effective_month=months.next_month(p.death_date),
            user=None,
            reason=_("家庭成员 %(name)s 于 %(d)s 死亡，家庭人口变化，应复核")
            % {"name": p.name, "d": p.death_date.isoformat()},
            snapshot={"person_id": p.pk, "death_date": p.death_date.isoformat()},
        )
    if new:
        entitlement.review_reason = _("家庭成员死亡，家庭人口变化")
        if entitlement.next_review_on is None or entitlement.next_review_on > on:
            entitlement.next_review_on = on
        entitlement.save(update_fields=["review_reason", "next_review_on", "updated_at"])
        result["flagged_for_review"] += 1


# ---------------------------------------------------------------- periodic review


def verification_findings(entitlement: Entitlement, on: dt.date) -> list[dict]:
    """Economic-status verification for a review: the verification module's findings."""
    return [
        audit.jsonable(f) for f in findings_for_household(household=entitlement.household, on=on)
    ]


def _proposal(eligible: bool, current: int, proposed: int) -> str:
    if not eligible:
        return Review.Proposal.STOP
    if proposed > current:
        return Review.Proposal.INCREASE
    if proposed < current:
        return Review.Proposal.DECREASE
    return Review.Proposal.NO_CHANGE


@transaction.atomic
def start_review(
    *, user, entitlement: Entitlement, facts: dict | None = None, on: dt.date | None = None
) -> Review:
    """Re-run verification and the rules on the household's current facts (the clerk's updated
    facts, or the stored ones brought up to date from the registry) with today's standards, and
    propose to keep, increase, decrease or stop the payment from next month."""
    _guard_write(user, entitlement)
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ServiceError({"on": [_("复核日期不能晚于今天")]})
    if facts is not None and not isinstance(facts, dict):
        raise ServiceError({"facts": [_("家庭情况应为对象")]})
    entitlement = _locked(entitlement)
    if entitlement.status == Entitlement.Status.TERMINATED:
        raise ServiceError({"status": [_("待遇已终止，无需复核")]}, status=409)
    hukou = entitlement.person.hukou_type if entitlement.person_id else ""
    stored = members_or_household(
        facts if facts is not None else entitlement.facts, entitlement.household
    )
    current = current_facts(
        stored, on=on, hukou_type=hukou if entitlement.programme == "tekun" else ""
    )
    if entitlement.programme == "disability_living" and "dibao_household" not in current:
        current["dibao_household"] = _household_has_dibao(entitlement.household_id)
    evaluation = evaluate(
        entitlement.programme,
        current,
        region=entitlement.region,
        on=on,
        standards=all_standards_in_force(entitlement.region, on),
    )
    if not evaluation.computed and current.get("members"):
        raise ServiceError(evaluation.field_errors or {"facts": [evaluation.error]})
    effective = months.next_month(on)
    current_amount = (
        selectors.amount_for_month(entitlement, effective)
        if effective >= entitlement.start_month
        else entitlement.monthly_amount_fen
    )
    eligible = evaluation.computed and evaluation.eligible
    proposed = evaluation.amount_fen if eligible else 0
    reasons = evaluation.reasons or (
        [{"code": "no_members", "message": _("家庭已无在世成员")}]
        if not current.get("members")
        else []
    )
    Review.objects.filter(entitlement=entitlement, status=Review.Status.PROPOSED).update(
        status=Review.Status.SUPERSEDED
    )
    review = Review.objects.create(
        entitlement=entitlement,
        due_on=entitlement.next_review_on,
        performed_on=on,
        facts=evaluation.facts,
        standards=evaluation.standards,
        trace=evaluation.trace,
        rule_version=evaluation.rule_version,
        basis=evaluation.basis,
        reasons=reasons,
        verification=verification_findings(entitlement, on),
        eligible=eligible,
        current_amount_fen=current_amount,
        proposed_amount_fen=proposed,
        proposal=_proposal(eligible, current_amount, proposed),
        effective_month=effective,
        created_by=user,
    )
    audit.record_created(
        review,
        object_repr=f"{entitlement} {review.get_proposal_display()}",
        note=_("复核建议：%(p)s") % {"p": review.get_proposal_display()},
    )
    return review


@transaction.atomic
def confirm_review(*, user, review: Review, accept: bool, reason: str = "") -> Review:
    """The clerk's decision on a proposal. Accepted, it takes effect from the review's effective
    month (stop: the month before is the last paid); either way the decision is recorded."""
    entitlement = review.entitlement
    _guard_write(user, entitlement)
    entitlement = _locked(entitlement)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.status != Review.Status.PROPOSED:
        raise ServiceError({"status": [_("该复核已处理")]}, status=409)
    if not accept:
        reason = _reason(reason)
    reason = (reason or "").strip()
    if accept:
        note = reason or _("确认复核建议：%(p)s") % {"p": review.get_proposal_display()}
        snapshot = {
            "facts": review.facts,
            "standards": review.standards,
            "trace": review.trace,
            "rule_version": review.rule_version,
            "basis": review.basis,
            "computed_on": review.performed_on.isoformat(),
            "review_id": review.pk,
        }
        if review.proposal == Review.Proposal.STOP:
            end_entitlement(
                entitlement,
                last_month=months.add_months(review.effective_month, -1),
                reason=note,
                user=user,
                overpayment_reason=Overpayment.Reason.TERMINATED,
            )
        else:
            with audit.audited(entitlement, note=note):
                if review.proposal != Review.Proposal.NO_CHANGE:
                    set_amount(
                        entitlement,
                        amount_fen=review.proposed_amount_fen,
                        from_month=review.effective_month,
                        kind=EntitlementChange.Kind.REVIEW,
                        reason=note,
                        user=user,
                        snapshot=snapshot,
                    )
                entitlement.facts, entitlement.standards, entitlement.trace = (
                    review.facts,
                    review.standards,
                    review.trace,
                )
                entitlement.rule_version, entitlement.basis, entitlement.computed_on = (
                    review.rule_version,
                    review.basis,
                    review.performed_on,
                )
                entitlement.amount_basis = Entitlement.AmountBasis.RULES
                entitlement.review_reason = ""
                entitlement.next_review_on = next_review_date(
                    review_class=entitlement.review_class,
                    region=entitlement.region,
                    programme=entitlement.programme,
                    after=review.performed_on,
                )
                if (
                    entitlement.status == Entitlement.Status.SUSPENDED
                    and entitlement.monthly_amount_fen > 0
                    and not entitlement.changes.filter(kind=EntitlementChange.Kind.SUSPEND).exists()
                ):
                    # Suspended only because no amount could be computed at approval: now it can be paid.
                    entitlement.status = Entitlement.Status.ACTIVE
                    _record_change(
                        entitlement,
                        kind=EntitlementChange.Kind.RESUME,
                        effective_month=review.effective_month,
                        reason=note,
                        user=user,
                        old_status="suspended",
                        new_status="active",
                    )
                entitlement.save()
        review.status = Review.Status.CONFIRMED
    else:
        review.status = Review.Status.REJECTED
    review.decided_by = user
    review.decided_at = timezone.now()
    review.decision_reason = reason
    review.save()
    audit.record(
        "transition",
        obj=review,
        object_repr=f"{entitlement} {review.get_proposal_display()}",
        region_code=entitlement.audit_region_code,
        before={"status": "proposed"},
        after={"status": review.status},
        note=reason,
    )
    return review
