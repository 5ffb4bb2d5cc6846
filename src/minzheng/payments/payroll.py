"""The monthly payroll of a county: computed set-based, approved, exported to the bank, reconciled.

Computing is one `INSERT … SELECT … ON CONFLICT DO NOTHING` per batch of entitlements (on
PostgreSQL and SQLite alike), each batch its own transaction. The lines' unique constraints do
the rest: a re-run, a run killed mid-way and started again, or several runs of the same month at
once add exactly the lines that are missing and never a second one. Each line is frozen on what
it was computed from: the amount period (with its facts, standards and trace), the payee and the
bank account as they were.

Bank accounts are decrypted only while writing the bank file, which is audited; everywhere else
they are masked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.assistance.params import PROGRAMME_BY_CODE
from minzheng.core import audit, crypto, jobs
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent, Job
from minzheng.core.money import yuan_decimal, yuan_str, yuan_to_fen
from minzheng.core.scope import region_in_scope
from minzheng.people.models import Household, Person
from minzheng.regions.models import Region

from . import backpay, months, recovery
from .bankfile import EXPORT_HEADER as EXPORT_HEADER  # the bank format, shared with one-offs
from .bankfile import bank_file, check_format, match_return, read_return
from .models import BankReturn, Entitlement, EntitlementChange, Overpayment, PayrollLine, PayrollRun
from .params import PAYROLL_ROLES
from .services import refresh_run_totals
from .signals import payments_returned

Progress = Callable[[int, int, str], None] | None

COMPUTE_JOB = "payments.compute_payroll"
BATCH_ENTITLEMENTS = 25_000


# ---------------------------------------------------------------- guards


def may_run_payroll(user, county: Region) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or user.role in PAYROLL_ROLES)
        and user.can_write
        and region_in_scope(user, county)
    )


def _guard(user, county: Region) -> None:
    if user is None or not user.is_authenticated or not (user.is_superuser or user.is_staff_role):
        raise NotFoundOrOutOfScope()
    if not region_in_scope(user, county):
        raise NotFoundOrOutOfScope()
    if not may_run_payroll(user, county):
        raise PermissionDeniedError(_("只有本县（市、区）的审批人员可以办理月度发放"))


def _job_active(run: PayrollRun) -> bool:
    return (
        run.job_id is not None
        and Job.objects.filter(
            pk=run.job_id, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
        ).exists()
        and not jobs.is_stalled(Job.objects.get(pk=run.job_id))
    )


# ---------------------------------------------------------------- runs


@transaction.atomic
def create_run(*, user, county: Region, month) -> PayrollRun:
    """The county's run for the month (created on first call, the same one afterwards)."""
    if county is None or county.level != Region.Level.COUNTY:
        raise ServiceError({"county": [_("请选择县（市、区）")]})
    _guard(user, county)
    if isinstance(month, str):
        try:
            month = months.parse(month)
        except ValueError:
            raise ServiceError({"month": [_("月份格式应为 YYYY-MM")]}) from None
    if not isinstance(month, dt.date):
        raise ServiceError({"month": [_("请填写发放月份")]})
    month = months.month_start(month)
    if month > months.next_month(timezone.localdate()):
        raise ServiceError({"month": [_("最多只能提前计算下一个月的发放")]})
    run = PayrollRun.objects.filter(county=county, month=month).first()
    if run is not None:
        return run
    try:
        with transaction.atomic():
            run = PayrollRun.objects.create(county=county, month=month, created_by=user)
    except IntegrityError:  # created by a concurrent request
        return PayrollRun.objects.get(county=county, month=month)
    audit.record_created(run, object_repr=f"{county.name} {months.label(month)}")
    return run


@transaction.atomic
def start_compute(*, user, run: PayrollRun) -> Job:
    """Queue the computation as a job (progress on the run page); safe to start again."""
    _guard(user, run.county)
    run = PayrollRun.objects.select_for_update(of=("self",)).select_related("county").get(pk=run.pk)
    if run.status not in (PayrollRun.Status.DRAFT, PayrollRun.Status.COMPUTED):
        raise ServiceError({"status": [_("该月发放已审核，不能重新计算")]}, status=409)
    if _job_active(run):
        return run.job
    job = jobs.enqueue(
        COMPUTE_JOB,
        params={"run_id": run.pk},
        user=user,
        region=run.county,
        title=_("计算月度发放：%(c)s %(m)s") % {"c": run.county.name, "m": months.label(run.month)},
    )
    run.job = job
    run.save(update_fields=["job"])
    return job


def _tables() -> dict:
    return {
        "line": PayrollLine._meta.db_table,
        "run": PayrollRun._meta.db_table,
        "ent": Entitlement._meta.db_table,
        "change": EntitlementChange._meta.db_table,
        "household": Household._meta.db_table,
        "person": Person._meta.db_table,
        "region": Region._meta.db_table,
    }


_INSERT_COLUMNS = (
    "run_id, entitlement_id, household_id, person_id, region_id, programme, month, kind, attempt, amount_fen, "
    "amount_change_id, payee_name, bank_name, account_cipher, account_masked, status, failure_reason, created_at"
)

_COMPUTE_SQL = """
INSERT INTO {line} ({columns})
SELECT %s, e.id, e.household_id, e.person_id, e.region_id, e.programme, %s, 'regular', 1, c.new_amount_fen,
       c.id, COALESCE(pp.name, hp.name, ''), h.bank_name, h.bank_account_cipher, h.bank_account_masked, 'pending', '', %s
FROM {ent} e
JOIN {region} r ON r.id = e.region_id
JOIN {change} c ON c.entitlement_id = e.id
JOIN {household} h ON h.id = e.household_id
LEFT JOIN {person} pp ON pp.id = e.person_id
LEFT JOIN {person} hp ON hp.id = h.head_id
WHERE e.id > %s AND e.id <= %s
  AND r.path LIKE %s
  AND e.start_month <= %s AND (e.end_month IS NULL OR e.end_month >= %s)
  AND e.status IN ('active', 'terminated')
  AND c.new_amount_fen > 0 AND c.effective_month <= %s AND (c.until_month IS NULL OR c.until_month > %s)
  AND (pp.death_date IS NULL OR pp.death_date >= %s)
ON CONFLICT DO NOTHING
"""

_REQUEUE_SQL = """
INSERT INTO {line} ({columns}, requeued_from_id)
SELECT %s, f.entitlement_id, f.household_id, f.person_id, f.region_id, f.programme, f.month, f.kind, f.attempt + 1, f.amount_fen,
       f.amount_change_id, f.payee_name, h.bank_name, h.bank_account_cipher, h.bank_account_masked, 'pending', '', %s, f.id
FROM {line} f
JOIN {run} fr ON fr.id = f.run_id
JOIN {ent} e ON e.id = f.entitlement_id
JOIN {household} h ON h.id = f.household_id
WHERE f.status = 'failed' AND f.kind IN ('regular', 'back_pay') AND fr.county_id = %s AND fr.month < %s
  AND (e.end_month IS NULL OR f.month <= e.end_month)
ON CONFLICT DO NOTHING
"""

_MARK_REQUEUED_SQL = """
UPDATE {line} SET status = 'requeued'
WHERE status = 'failed' AND id IN (SELECT requeued_from_id FROM {line} WHERE run_id = %s AND requeued_from_id IS NOT NULL)
"""


def _lock_open_run(run_id: int) -> None:
    """Inside a batch: hold the run against approval (shared, so concurrent computations of the
    same run still insert side by side) and refuse a run approved meanwhile."""
    table = PayrollRun._meta.db_table
    with connection.cursor() as cursor:
        lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
        cursor.execute(f"SELECT status FROM {table} WHERE id = %s{lock}", [run_id])
        row = cursor.fetchone()
    if row is None or row[0] not in (PayrollRun.Status.DRAFT, PayrollRun.Status.COMPUTED):
        raise ServiceError({"status": [_("该月发放已审核，不能重新计算")]}, status=409)


def candidate_ids(county: Region, month: dt.date) -> list[int]:
    return list(
        Entitlement.objects.filter(region__path__startswith=county.path, start_month__lte=month)
        .exclude(status=Entitlement.Status.SUSPENDED)
        .exclude(end_month__lt=month)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def compute_payroll(
    *, run: PayrollRun, progress: Progress = None, batch_size: int = BATCH_ENTITLEMENTS
) -> dict:
    """Add the missing lines of the run: one per entitlement owed for the month, and the next
    attempt of every payment of the county that failed in an earlier month. Idempotent."""
    report = progress or (lambda done, total, message: None)
    run = PayrollRun.objects.select_related("county").get(pk=run.pk)
    if run.status not in (PayrollRun.Status.DRAFT, PayrollRun.Status.COMPUTED):
        raise ServiceError({"status": [_("该月发放已审核，不能重新计算")]}, status=409)
    county, month = run.county, run.month
    ops = connection.ops
    db_month = ops.adapt_datefield_value(month)
    ids = candidate_ids(county, month)
    total = len(ids)
    t = _tables()
    sql = _COMPUTE_SQL.format(columns=_INSERT_COLUMNS, **t)
    added = 0
    report(0, total, _("计算发放明细"))
    for start in range(0, total, batch_size):
        chunk = ids[start : start + batch_size]
        with transaction.atomic(), connection.cursor() as cursor:
            _lock_open_run(run.pk)
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL work_mem = '64MB'")  # sort and hash the batch in memory
            now = ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(
                sql,
                [
                    run.pk,
                    db_month,
                    now,
                    chunk[0] - 1,
                    chunk[-1],
                    f"{county.path}%",
                    db_month,
                    db_month,
                    db_month,
                    db_month,
                    db_month,
                ],
            )
            added += max(cursor.rowcount, 0)
        report(start + len(chunk), total, _("计算发放明细"))
    with transaction.atomic(), connection.cursor() as cursor:
        _lock_open_run(run.pk)
        now = ops.adapt_datetimefield_value(timezone.now())
        cursor.execute(
            _REQUEUE_SQL.format(columns=_INSERT_COLUMNS, **t), [run.pk, now, county.pk, db_month]
        )
        requeued = max(cursor.rowcount, 0)
        cursor.execute(_MARK_REQUEUED_SQL.format(**t), [run.pk])
    # After the re-queueing, so a failed payment counts once (docs: payments/backpay.py).
    with transaction.atomic():
        _lock_open_run(run.pk)
        settled = backpay.compute_back_pay(
            run=run, note=_("%(m)s 发放时发现金额已追溯下调") % {"m": months.label(month)}
        )
        deductions = recovery.add_deductions(run=run)
    with transaction.atomic():
        run = (
            PayrollRun.objects.select_for_update(of=("self",))
            .select_related("county")
            .get(pk=run.pk)
        )
        if run.status not in (PayrollRun.Status.DRAFT, PayrollRun.Status.COMPUTED):
            raise ServiceError({"status": [_("该月发放已审核，不能重新计算")]}, status=409)
        refresh_run_totals(run)
        run.status = PayrollRun.Status.COMPUTED
        run.computed_at = timezone.now()
        run.save(update_fields=["status", "computed_at"])
        result = {
            "entitlements": total,
            "added": added,
            "requeued": requeued,
            "back_pay": settled["back_pay"],
            "reductions": settled["reductions"],
            "deductions": deductions,
            "lines": run.line_count,
            "total": yuan_str(run.total_fen),
        }
        audit.record(
            "update",
            obj=run,
            object_repr=f"{county.name} {months.label(month)}",
            after=result,
            note=_(
                "计算月度发放：新增 %(added)s 笔、重新发放 %(requeued)s 笔、补发 %(back_pay)s 笔、抵扣 %(deductions)s 笔，共 %(lines)s 笔 %(total)s 元"
            )
            % result,
        )
    report(total, total, _("新增 %(added)s 笔，重新发放 %(requeued)s 笔，共 %(lines)s 笔") % result)
    return result


@transaction.atomic
def approve_payroll(*, user, run: PayrollRun) -> PayrollRun:
    """Approval by the county before anything goes to the bank."""
    _guard(user, run.county)
    run = PayrollRun.objects.select_for_update(of=("self",)).select_related("county").get(pk=run.pk)
    if run.status != PayrollRun.Status.COMPUTED:
        raise ServiceError({"status": [_("只有已计算、待审核的发放可以审核")]}, status=409)
    if _job_active(run):
        raise ServiceError({"status": [_("发放仍在计算中，请计算完成后再审核")]}, status=409)
    refresh_run_totals(run)
    if run.line_count == 0:
        raise ServiceError({"status": [_("本月没有发放明细，无需审核")]}, status=409)
    run.status = PayrollRun.Status.APPROVED
    run.approved_by, run.approved_at = user, timezone.now()
    run.save()
    audit.record(
        "transition",
        obj=run,
        object_repr=f"{run.county.name} {months.label(run.month)}",
        before={"status": "computed"},
        after={"status": "approved", "lines": run.line_count, "total_fen": run.total_fen},
        note=_("审核月度发放：%(n)s 笔，%(t)s 元")
        % {"n": run.line_count, "t": yuan_str(run.total_fen)},
    )
    return run


# ---------------------------------------------------------------- bank file


def _export_rows(run: PayrollRun):
    """Lines going to the bank, with the account decrypted: only ever called by export_payroll."""
    lines = (
        PayrollLine.objects.filter(
            run=run, status__in=[PayrollLine.Status.PENDING, PayrollLine.Status.EXPORTED]
        )
        .exclude(kind=PayrollLine.Kind.DEDUCTION)
        .select_related("region", "region__parent", "household")
        .order_by("id")
    )
    deducted = recovery.deductions_by_line(run)
    for line in lines.iterator(chunk_size=5000):
        amount = line.amount_fen + deducted.get(line.pk, 0)
        if amount <= 0:
            continue  # wholly recovered by deduction: nothing goes to the bank
        township = line.region.parent
        programme = PROGRAMME_BY_CODE.get(line.programme)
        yield [
            str(line.pk),
            run.county.name,
            township.name if township else "",
            line.region.name,
            line.household.number,
            line.payee_name,
            line.bank_name,
            crypto.decrypt(line.account_cipher),
            yuan_decimal(amount),
            programme.name if programme else line.programme,
            months.label(line.month),
        ]


@transaction.atomic
def export_payroll(*, user, run: PayrollRun, fmt: str) -> tuple[bytes, str, str]:
    """The bank file (CSV or Excel) of an approved run: full account numbers, so the export is
    audited. Exporting again gives the same lines."""
    check_format(fmt)
    _guard(user, run.county)
    if not user.can_unmask and not user.is_superuser:
        raise PermissionDeniedError(_("当前账号无权导出完整银行账号"))
    run = PayrollRun.objects.select_for_update(of=("self",)).select_related("county").get(pk=run.pk)
    if run.status not in (PayrollRun.Status.APPROVED, PayrollRun.Status.EXPORTED):
        raise ServiceError({"status": [_("发放须经审核后才能导出银行文件")]}, status=409)
    rows = list(_export_rows(run))
    PayrollLine.objects.filter(run=run, status=PayrollLine.Status.PENDING).update(
        status=PayrollLine.Status.EXPORTED
    )
    recovery.settle_netted_to_zero(run=run)
    before = run.status
    run.status = PayrollRun.Status.EXPORTED
    run.exported_by, run.exported_at = user, timezone.now()
    run.save()
    total = sum(yuan_to_fen(r[8]) for r in rows)
    audit.record(
        AuditEvent.Action.EXPORT,
        obj=run,
        object_repr=f"{run.county.name} {months.label(run.month)}",
        before={"status": before},
        after={"status": run.status, "lines": len(rows), "total_fen": total, "format": fmt},
        note=_("导出银行发放文件（含完整银行账号）：%(n)s 笔，%(t)s 元")
        % {"n": len(rows), "t": yuan_str(total)},
    )
    return bank_file(rows, stem=f"payroll-{run.county.code}-{months.label(run.month)}", fmt=fmt)


# ---------------------------------------------------------------- bank returns


@transaction.atomic
def import_bank_return(*, user, run: PayrollRun, file_name: str, content: bytes) -> BankReturn:
    """Match the bank's results to the run's lines: successes become paid, failures failed (and
    are paid again as the next attempt in a later month's run). A line is paid at most once: a
    success for a line already failed and re-queued, or a failure for a paid line, is refused and
    reported. The same file imported twice changes nothing."""
    _guard(user, run.county)
    run = PayrollRun.objects.select_for_update(of=("self",)).select_related("county").get(pk=run.pk)
    if run.status not in (PayrollRun.Status.EXPORTED, PayrollRun.Status.RECONCILED):
        raise ServiceError({"status": [_("银行文件导出后才能导入回盘")]}, status=409)
    digest = hashlib.sha256(content or b"").hexdigest()
    existing = BankReturn.objects.filter(run=run, sha256=digest).first() if content else None
    if existing is not None:
        return existing
    parsed = read_return(file_name, content)
    refs = [row["reference"] for row in parsed]
    lines = {
        str(line.pk): line
        for line in PayrollLine.objects.select_for_update().filter(
            run=run, pk__in=[int(r) for r in refs if r.isdigit()]
        )
    }
    # A household's payment is sent net of the deductions taken from it, so the bank confirms
    # the net amount; deduction lines themselves are never on the bank file.
    deducted = recovery.deductions_by_line(run)
    changes, results, counts = match_return(
        parsed,
        {
            ref: (line.status, line.amount_fen + deducted.get(line.pk, 0))
            for ref, line in lines.items()
            if line.kind != PayrollLine.Kind.DEDUCTION
        },
        status_label=lambda status: PayrollLine.Status(status).label,
        unknown_message=_("流水号不属于本月发放"),
    )
    bank_return = BankReturn.objects.create(
        run=run, file_name=file_name[:200], sha256=digest, uploaded_by=user
    )
    for ref, outcome, reason in changes:
        line = lines[ref]
        line.status = outcome
        line.bank_return = bank_return
        line.failure_reason = reason
        line.save(update_fields=["status", "bank_return", "failure_reason"])
        if outcome == "failed":
            # The money did not leave: nothing to recover for this line.
            Overpayment.objects.filter(line=line, status=Overpayment.Status.OPEN).delete()
        if line.pk in deducted:
            recovery.settle_deductions(line=line, outcome=outcome)
    bank_return.save_report(rows=results, row_count=len(parsed), counts=counts)
    refresh_run_totals(run)
    if not PayrollLine.objects.filter(run=run, status=PayrollLine.Status.EXPORTED).exists():
        run.status = PayrollRun.Status.RECONCILED
        run.save(update_fields=["status"])
    payments_returned.send(sender=PayrollLine, kind="payroll", bank_return=bank_return)
    audit.record(
        AuditEvent.Action.IMPORT,
        obj=run,
        object_repr=f"{run.county.name} {months.label(run.month)} {file_name}"[:200],
        after={"file": file_name, "sha256": digest, **counts, "status": run.status},
        note=_(
            "导入银行回盘：成功 %(paid)s 笔，失败 %(failed)s 笔，此前已确认 %(unchanged)s 笔，有误 %(errors)s 行"
        )
        % counts,
    )
    return bank_return
