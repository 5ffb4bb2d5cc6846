"""One-off payments: decided amounts paid once, by the bank in a county's batch or by hand.

Producers publish a **payable** with `register_payable(...)`: a source (kind and id) that is paid
at most once (a unique constraint on the source), a programme, the household, person and village,
the amount in fen and the date it was decided. Today the producers are the cases of one-off
programmes (临时救助, 医疗救助, …: `on_case_approved`, called from payments' `post_transition`
subscriber in the approval's transaction) and the emergency help a township paid before the
paperwork (`on_emergency_granted`: already settled in cash, in kind or by transfer, shown but never
paid again). A later module (disaster relief, funeral grants, self-employment grants, education
aid) calls `register_payable` the same way, inside the transaction of its own decision, with a
`source_kind` of its own.

County staff (the payroll's roles) build a batch per county and pay date from the county's pending
payables (`fill_batch`: one `INSERT … SELECT … ON CONFLICT DO NOTHING` per chunk of payables, each
chunk its own transaction, run as a job with progress), approve it, export the bank file in the
payroll's format (`bankfile`) and import the bank's returns (the payroll's parsing and matching).
A failed payment goes into the county's next batch as the next attempt, unless it is settled by
hand meanwhile. A payable not paid by the bank is settled by a handover (`record_handover`: cash or
goods, to whom, by whom, when, with a signature or photo kept encrypted).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
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

from . import months
from .bankfile import bank_file, check_format, match_return, read_return
from .models import Handover, OneOffBatch, OneOffItem, OneOffPayable, OneOffReturn
from .payroll import may_run_payroll
from .signals import payments_returned

Progress = Callable[[int, int, str], None] | None

FILL_JOB = "payments.fill_oneoff_batch"
BATCH_PAYABLES = 25_000
SOURCE_CASE = "case"
SOURCE_EMERGENCY = "emergency"
OPEN_BATCH = (OneOffBatch.Status.DRAFT, OneOffBatch.Status.COMPUTED)
# Who records a cash or in-kind handover: the township clerk who hands it over, and the county.
HANDOVER_ROLES = {"township_clerk", "county_approver", "admin"}
EVIDENCE_TYPES = {"image/jpeg", "image/png", "application/pdf"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def is_one_off(programme: str) -> bool:
    spec = PROGRAMME_BY_CODE.get(programme)
    return spec is not None and spec.kind == "one_off"


# ---------------------------------------------------------------- producers


@transaction.atomic
def register_payable(
    *,
    source_kind: str,
    source_id: int,
    programme: str,
    household: Household,
    region: Region,
    amount_fen: int,
    decided_on: dt.date,
    person: Person | None = None,
    case=None,
    description: str = "",
    settled: str = "",
    paid_on: dt.date | None = None,
) -> OneOffPayable:
    """Publish a decided one-off amount to be paid. Call it inside the transaction of the decision.

    Idempotent: the same source gives back the payable registered first (a decision is paid at
    most once), whatever the other arguments. `settled` ("cash", "in_kind" or "paid", with
    `paid_on`) registers an amount already handed over, which is shown but never sent to the bank.
    """
    if not source_kind or len(source_kind) > 32 or source_id is None:
        raise ServiceError({"source": [_("请注明待发放款项的来源")]})
    existing = OneOffPayable.objects.filter(source_kind=source_kind, source_id=source_id).first()
    if existing is not None:
        return existing
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise ServiceError({"amount_fen": [_("发放金额须大于零")]})
    if not isinstance(decided_on, dt.date):
        raise ServiceError({"decided_on": [_("请填写核定日期")]})
    status = OneOffPayable.Status.PENDING
    if settled:
        if settled not in OneOffPayable.SETTLED or paid_on is None:
            raise ServiceError({"settled": [_("已发放的款项须注明发放方式和日期")]})
        status = settled
    try:
        with transaction.atomic():
            payable = OneOffPayable.objects.create(
                source_kind=source_kind,
                source_id=source_id,
                programme=programme,
                household=household,
                person=person,
                region=region,
                case=case,
                amount_fen=amount_fen,
                decided_on=decided_on,
                description=(description or "")[:200],
                status=status,
                paid_on=paid_on if settled else None,
            )
    except IntegrityError:  # registered by a concurrent transaction meanwhile
        return OneOffPayable.objects.get(source_kind=source_kind, source_id=source_id)
    audit.record_created(
        payable,
        object_repr=f"{_programme_name(programme)} {yuan_str(amount_fen)}",
        note=_("登记一次性救助待发放：%(p)s %(y)s 元")
        % {"p": _programme_name(programme), "y": yuan_str(amount_fen)},
    )
    return payable


def _programme_name(code: str) -> str:
    spec = PROGRAMME_BY_CODE.get(code)
    return _(spec.name) if spec else code


def on_case_approved(case) -> OneOffPayable | None:
    """The county approved a one-off case: its decided amount (Decision.amount_fen), less what
    the township already paid as emergency help, becomes a payable. Nothing when nothing is left."""
    if not is_one_off(case.programme):
        return None
    decision = case.decisions.filter(level="county", outcome="approve").order_by("-id").first()
    if decision is None or not decision.amount_fen:
        return None
    emergency = getattr(case, "emergency_payment", None) if _has_emergency(case) else None
    amount = decision.amount_fen - (emergency.amount_fen if emergency else 0)
    if amount <= 0:
        return None
    return register_payable(
        source_kind=SOURCE_CASE,
        source_id=case.pk,
        programme=case.programme,
        household=case.household,
        person=case.applicant,
        region=case.region,
        case=case,
        amount_fen=amount,
        decided_on=decision.decided_on,
        description=_("申请 %(n)s 县级审批核定") % {"n": case.number},
    )


def _has_emergency(case) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        case.emergency_payment  # noqa: B018 - the reverse one-to-one raises when there is none
    except ObjectDoesNotExist:
        return False
    return True


_METHOD_STATUS = {"cash": "cash", "in_kind": "in_kind", "transfer": "paid"}


def on_emergency_granted(case) -> OneOffPayable | None:
    """Emergency help paid by the township before the paperwork: a payable already settled."""
    if not _has_emergency(case):
        return None
    payment = case.emergency_payment
    return register_payable(
        source_kind=SOURCE_EMERGENCY,
        source_id=payment.pk,
        programme=case.programme,
        household=case.household,
        person=case.applicant,
        region=case.region,
        case=case,
        amount_fen=payment.amount_fen,
        decided_on=payment.paid_on,
        description=_("申请 %(n)s 先行救助") % {"n": case.number},
        settled=_METHOD_STATUS.get(payment.method, "cash"),
        paid_on=payment.paid_on,
    )


# Back-fill of one-off cases approved before payables existed (the migration and the demo): one
# statement, the same rule as on_case_approved (latest county approval, less emergency help).
BACKFILL_CASES_SQL = """
INSERT INTO payments_oneoffpayable (source_kind, source_id, programme, household_id, person_id,
    region_id, case_id, amount_fen, decided_on, description, status, paid_on, created_at)
SELECT 'case', c.id, c.programme, c.household_id, c.applicant_id, c.region_id, c.id,
       d.amount_fen - COALESCE(e.amount_fen, 0), d.decided_on, '', 'pending', NULL, %s
FROM cases_case c
JOIN cases_decision d ON d.id = (
    SELECT MAX(d2.id) FROM cases_decision d2
    WHERE d2.case_id = c.id AND d2.level = 'county' AND d2.outcome = 'approve')
LEFT JOIN cases_emergencypayment e ON e.case_id = c.id
WHERE c.state = 'approved' AND c.programme IN ({programmes})
  AND d.amount_fen - COALESCE(e.amount_fen, 0) > 0
ON CONFLICT DO NOTHING
"""
BACKFILL_EMERGENCY_SQL = """
INSERT INTO payments_oneoffpayable (source_kind, source_id, programme, household_id, person_id,
    region_id, case_id, amount_fen, decided_on, description, status, paid_on, created_at)
SELECT 'emergency', e.id, c.programme, c.household_id, c.applicant_id, c.region_id, c.id,
       e.amount_fen, e.paid_on, '',
       CASE e.method WHEN 'transfer' THEN 'paid' WHEN 'in_kind' THEN 'in_kind' ELSE 'cash' END,
       e.paid_on, %s
FROM cases_emergencypayment e JOIN cases_case c ON c.id = e.case_id
WHERE e.amount_fen > 0
ON CONFLICT DO NOTHING
"""


def backfill(using_connection=None) -> int:
    """Payables for one-off cases approved and emergency help paid before they existed."""
    conn = using_connection or connection
    programmes = [code for code, spec in PROGRAMME_BY_CODE.items() if spec.kind == "one_off"]
    now = conn.ops.adapt_datetimefield_value(timezone.now())
    added = 0
    with conn.cursor() as cursor:
        cursor.execute(
            BACKFILL_CASES_SQL.format(programmes=", ".join(["%s"] * len(programmes))),
            [now, *programmes],
        )
        added += max(cursor.rowcount, 0)
        cursor.execute(BACKFILL_EMERGENCY_SQL, [now])
        added += max(cursor.rowcount, 0)
    return added


# ---------------------------------------------------------------- guards


def _guard(user, county: Region) -> None:
    if user is None or not user.is_authenticated or not (user.is_superuser or user.is_staff_role):
        raise NotFoundOrOutOfScope()
    if not region_in_scope(user, county):
        raise NotFoundOrOutOfScope()
    if not may_run_payroll(user, county):
        raise PermissionDeniedError(_("只有本县（市、区）的审批人员可以办理一次性救助发放"))


def _job_active(batch: OneOffBatch) -> bool:
    if batch.job_id is None:
        return False
    job = Job.objects.filter(pk=batch.job_id).first()
    return (
        job is not None
        and job.status in (Job.Status.QUEUED, Job.Status.RUNNING)
        and not jobs.is_stalled(job)
    )


def _repr(batch: OneOffBatch) -> str:
    return f"{batch.county.name} {batch.pay_date:%Y-%m-%d}"


# ---------------------------------------------------------------- batches


@transaction.atomic
def create_batch(*, user, county: Region, pay_date) -> OneOffBatch:
    """The county's batch for the pay date (created on first call, the same one afterwards)."""
    if county is None or county.level != Region.Level.COUNTY:
        raise ServiceError({"county": [_("请选择县（市、区）")]})
    _guard(user, county)
    if isinstance(pay_date, str):
        try:
            pay_date = dt.date.fromisoformat(pay_date)
        except ValueError:
            raise ServiceError({"pay_date": [_("日期格式应为 YYYY-MM-DD")]}) from None
    if not isinstance(pay_date, dt.date):
        raise ServiceError({"pay_date": [_("请填写发放日期")]})
    today = timezone.localdate()
    if not (today - dt.timedelta(days=366) <= pay_date <= today + dt.timedelta(days=60)):
        raise ServiceError({"pay_date": [_("发放日期应在一年前至两个月后之间")]})
    batch = OneOffBatch.objects.filter(county=county, pay_date=pay_date).first()
    if batch is not None:
        return batch
    try:
        with transaction.atomic():
            batch = OneOffBatch.objects.create(county=county, pay_date=pay_date, created_by=user)
    except IntegrityError:
        return OneOffBatch.objects.get(county=county, pay_date=pay_date)
    audit.record_created(batch, object_repr=_repr(batch))
    return batch


@transaction.atomic
def start_fill(*, user, batch: OneOffBatch) -> Job:
    """Queue the building of the batch as a job (progress on the batch page); safe to start again."""
    _guard(user, batch.county)
    batch = (
        OneOffBatch.objects.select_for_update(of=("self",))
        .select_related("county")
        .get(pk=batch.pk)
    )
    if batch.status not in OPEN_BATCH:
        raise ServiceError({"status": [_("该批次已审核，不能重新编制")]}, status=409)
    if _job_active(batch):
        return batch.job
    job = jobs.enqueue(
        FILL_JOB,
        params={"batch_id": batch.pk},
        user=user,
        region=batch.county,
        title=_("编制一次性救助发放批次：%(b)s") % {"b": _repr(batch)},
    )
    batch.job = job
    batch.save(update_fields=["job"])
    return job


def _tables() -> dict:
    return {
        "item": OneOffItem._meta.db_table,
        "batch": OneOffBatch._meta.db_table,
        "payable": OneOffPayable._meta.db_table,
        "household": Household._meta.db_table,
        "person": Person._meta.db_table,
        "region": Region._meta.db_table,
    }


_COLUMNS = (
    "batch_id, payable_id, attempt, household_id, region_id, programme, amount_fen, decided_on, "
    "payee_name, bank_name, account_cipher, account_masked, status, failure_reason, created_at"
)

_FILL_SQL = """
INSERT INTO {item} ({columns})
SELECT %s, p.id, 1, p.household_id, p.region_id, p.programme, p.amount_fen, p.decided_on,
       COALESCE(pp.name, hp.name, ''), h.bank_name, h.bank_account_cipher, h.bank_account_masked,
       'pending', '', %s
FROM {payable} p
JOIN {region} r ON r.id = p.region_id
JOIN {household} h ON h.id = p.household_id
LEFT JOIN {person} pp ON pp.id = p.person_id
LEFT JOIN {person} hp ON hp.id = h.head_id
WHERE p.id > %s AND p.id <= %s AND p.status = 'pending' AND r.path LIKE %s
ON CONFLICT DO NOTHING
"""

_REQUEUE_SQL = """
INSERT INTO {item} ({columns}, requeued_from_id)
SELECT %s, f.payable_id, f.attempt + 1, f.household_id, f.region_id, f.programme, f.amount_fen,
       f.decided_on, f.payee_name, h.bank_name, h.bank_account_cipher, h.bank_account_masked,
       'pending', '', %s, f.id
FROM {item} f
JOIN {batch} fb ON fb.id = f.batch_id
JOIN {payable} p ON p.id = f.payable_id
JOIN {household} h ON h.id = f.household_id
WHERE f.status = 'failed' AND p.status = 'failed' AND fb.county_id = %s AND fb.id <> %s
ON CONFLICT DO NOTHING
"""

_MARK_REQUEUED_SQL = """
UPDATE {item} SET status = 'requeued'
FROM {item} n
WHERE n.requeued_from_id = {item}.id AND n.batch_id = %s AND {item}.status = 'failed'
"""

# The payables of the batch's new items leave the pending list in the items' transaction. A join
# (UPDATE … FROM) rather than `id IN (subquery)`: right after a large batch is written the
# planner's statistics still see few items, and the subquery form then degrades to a scan per row.
_MARK_PAYABLES_SQL = """
UPDATE {payable} SET status = CASE WHEN {payable}.status = 'failed' THEN 'reissued' ELSE 'in_batch' END
FROM {item} i
WHERE i.payable_id = {payable}.id AND i.batch_id = %s AND i.status = 'pending'
  AND {payable}.status IN ('pending', 'failed')
"""


def _lock_open_batch(batch_id: int) -> None:
    """Inside a chunk: hold the batch against approval (shared, so two builds of the same batch
    still insert side by side) and refuse a batch approved meanwhile."""
    table = OneOffBatch._meta.db_table
    with connection.cursor() as cursor:
        lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
        cursor.execute(f"SELECT status FROM {table} WHERE id = %s{lock}", [batch_id])
        row = cursor.fetchone()
    if row is None or row[0] not in OPEN_BATCH:
        raise ServiceError({"status": [_("该批次已审核，不能重新编制")]}, status=409)


def candidate_ids(county: Region) -> list[int]:
    return list(
        OneOffPayable.objects.filter(
            region__path__startswith=county.path, status=OneOffPayable.Status.PENDING
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def fill_batch(
    *, batch: OneOffBatch, progress: Progress = None, chunk_size: int = BATCH_PAYABLES
) -> dict:
    """Add the county's pending payables to the batch, and the next attempt of every payment of
    the county that failed in another batch. Idempotent: killed and run again, or run twice at
    once, it adds exactly the items missing and never a second live item for a payable."""
    report = progress or (lambda done, total, message: None)
    batch = OneOffBatch.objects.select_related("county").get(pk=batch.pk)
    if batch.status not in OPEN_BATCH:
        raise ServiceError({"status": [_("该批次已审核，不能重新编制")]}, status=409)
    county = batch.county
    ops = connection.ops
    ids = candidate_ids(county)
    total = len(ids)
    t = _tables()
    fill_sql = _FILL_SQL.format(columns=_COLUMNS, **t)
    mark_sql = _MARK_PAYABLES_SQL.format(**t)
    added = 0
    report(0, total, _("编制发放明细"))
    for start in range(0, total, chunk_size):
        chunk = ids[start : start + chunk_size]
        with transaction.atomic(), connection.cursor() as cursor:
            _lock_open_batch(batch.pk)
            now = ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(fill_sql, [batch.pk, now, chunk[0] - 1, chunk[-1], f"{county.path}%"])
            added += max(cursor.rowcount, 0)
            cursor.execute(mark_sql, [batch.pk])
        report(start + len(chunk), total, _("编制发放明细"))
    with transaction.atomic(), connection.cursor() as cursor:
        _lock_open_batch(batch.pk)
        now = ops.adapt_datetimefield_value(timezone.now())
        cursor.execute(
            _REQUEUE_SQL.format(columns=_COLUMNS, **t), [batch.pk, now, county.pk, batch.pk]
        )
        requeued = max(cursor.rowcount, 0)
        cursor.execute(_MARK_REQUEUED_SQL.format(**t), [batch.pk])
        cursor.execute(mark_sql, [batch.pk])
    with transaction.atomic():
        batch = (
            OneOffBatch.objects.select_for_update(of=("self",))
            .select_related("county")
            .get(pk=batch.pk)
        )
        if batch.status not in OPEN_BATCH:
            raise ServiceError({"status": [_("该批次已审核，不能重新编制")]}, status=409)
        refresh_totals(batch)
        batch.status = OneOffBatch.Status.COMPUTED
        batch.computed_at = timezone.now()
        batch.save(update_fields=["status", "computed_at"])
        result = {
            "payables": total,
            "added": added,
            "requeued": requeued,
            "lines": batch.line_count,
            "total": yuan_str(batch.total_fen),
        }
        audit.record(
            "update",
            obj=batch,
            object_repr=_repr(batch),
            after=result,
            note=_(
                "编制一次性救助发放批次：新增 %(added)s 笔、重新发放 %(requeued)s 笔，"
                "共 %(lines)s 笔 %(total)s 元"
            )
            % result,
        )
    report(total, total, _("新增 %(added)s 笔，重新发放 %(requeued)s 笔，共 %(lines)s 笔") % result)
    return result


def refresh_totals(batch: OneOffBatch) -> OneOffBatch:
    S = OneOffItem.Status
    sums = OneOffItem.objects.filter(batch=batch).aggregate(
        line_count=Count("id", filter=~Q(status=S.CANCELLED)),
        total_fen=Sum("amount_fen", filter=~Q(status=S.CANCELLED)),
        paid_count=Count("id", filter=Q(status=S.PAID)),
        paid_fen=Sum("amount_fen", filter=Q(status=S.PAID)),
        failed_count=Count("id", filter=Q(status__in=[S.FAILED, S.REQUEUED])),
        failed_fen=Sum("amount_fen", filter=Q(status__in=[S.FAILED, S.REQUEUED])),
    )
    for key, value in sums.items():
        setattr(batch, key, value or 0)
    OneOffBatch.objects.filter(pk=batch.pk).update(**{k: v or 0 for k, v in sums.items()})
    return batch


def township_breakdown(batch: OneOffBatch) -> list[dict]:
    """The batch's count and total per township (street), in code order."""
    rows = (
        OneOffItem.objects.filter(batch=batch)
        .exclude(status=OneOffItem.Status.CANCELLED)
        .values("region__parent__code", "region__parent__name")
        .annotate(count=Count("id"), total_fen=Sum("amount_fen"))
        .order_by("region__parent__code")
    )
    return [
        {
            "code": row["region__parent__code"] or "",
            "name": row["region__parent__name"] or "",
            "count": row["count"],
            "total_fen": row["total_fen"] or 0,
        }
        for row in rows
    ]


@transaction.atomic
def approve_batch(*, user, batch: OneOffBatch) -> OneOffBatch:
    """Approval by the county before anything goes to the bank."""
    _guard(user, batch.county)
    batch = (
        OneOffBatch.objects.select_for_update(of=("self",))
        .select_related("county")
        .get(pk=batch.pk)
    )
    if batch.status != OneOffBatch.Status.COMPUTED:
        raise ServiceError({"status": [_("只有已编制、待审核的批次可以审核")]}, status=409)
    if _job_active(batch):
        raise ServiceError({"status": [_("批次仍在编制中，请编制完成后再审核")]}, status=409)
    refresh_totals(batch)
    if batch.line_count == 0:
        raise ServiceError({"status": [_("本批次没有发放明细，无需审核")]}, status=409)
    batch.status = OneOffBatch.Status.APPROVED
    batch.approved_by, batch.approved_at = user, timezone.now()
    batch.save()
    audit.record(
        "transition",
        obj=batch,
        object_repr=_repr(batch),
        before={"status": "computed"},
        after={"status": "approved", "lines": batch.line_count, "total_fen": batch.total_fen},
        note=_("审核一次性救助发放批次：%(n)s 笔，%(t)s 元")
        % {"n": batch.line_count, "t": yuan_str(batch.total_fen)},
    )
    return batch


def _export_rows(batch: OneOffBatch) -> list[list]:
    """Items going to the bank, with the account decrypted: only ever called by export_batch.
    One query (village and township joined); names and month labels computed once each."""
    items = (
        OneOffItem.objects.filter(
            batch=batch, status__in=[OneOffItem.Status.PENDING, OneOffItem.Status.EXPORTED]
        )
        .order_by("id")
        .values_list(
            "id",
            "region__parent__name",
            "region__name",
            "household__number",
            "payee_name",
            "bank_name",
            "account_cipher",
            "amount_fen",
            "programme",
            "decided_on",
        )
    )
    names: dict[str, str] = {}
    labels: dict = {}
    county = batch.county.name
    rows = []
    for row in items.iterator(chunk_size=10_000):
        pk, township, village, number, payee, bank, cipher, amount, programme, decided_on = row
        if programme not in names:
            names[programme] = _programme_name(programme)
        month = (decided_on.year, decided_on.month)
        if month not in labels:
            labels[month] = months.label(decided_on)
        rows.append(
            [
                str(pk),
                county,
                township or "",
                village or "",
                number,
                payee,
                bank,
                crypto.decrypt(cipher) if cipher else "",
                yuan_decimal(amount),
                names[programme],
                labels[month],
            ]
        )
    return rows


@transaction.atomic
def export_batch(*, user, batch: OneOffBatch, fmt: str) -> tuple[bytes, str, str]:
    """The bank file (the payroll's format) of an approved batch: full account numbers, so the
    export is audited. Exporting again gives the same items."""
    check_format(fmt)
    _guard(user, batch.county)
    if not user.can_unmask and not user.is_superuser:
        raise PermissionDeniedError(_("当前账号无权导出完整银行账号"))
    batch = (
        OneOffBatch.objects.select_for_update(of=("self",))
        .select_related("county")
        .get(pk=batch.pk)
    )
    if batch.status not in (OneOffBatch.Status.APPROVED, OneOffBatch.Status.EXPORTED):
        raise ServiceError({"status": [_("批次须经审核后才能导出银行文件")]}, status=409)
    rows = _export_rows(batch)
    OneOffItem.objects.filter(batch=batch, status=OneOffItem.Status.PENDING).update(
        status=OneOffItem.Status.EXPORTED
    )
    before = batch.status
    batch.status = OneOffBatch.Status.EXPORTED
    batch.exported_by, batch.exported_at = user, timezone.now()
    batch.save()
    total = sum(yuan_to_fen(r[8]) for r in rows)
    audit.record(
        AuditEvent.Action.EXPORT,
        obj=batch,
        object_repr=_repr(batch),
        before={"status": before},
        after={"status": batch.status, "lines": len(rows), "total_fen": total, "format": fmt},
        note=_("导出一次性救助银行发放文件（含完整银行账号）：%(n)s 笔，%(t)s 元")
        % {"n": len(rows), "t": yuan_str(total)},
    )
    return bank_file(rows, stem=f"oneoff-{batch.county.code}-{batch.pay_date:%Y%m%d}", fmt=fmt)


_SETTLE_PAYABLES_SQL = """
UPDATE {payable} SET status = %s, paid_on = %s
FROM {item} i
WHERE i.payable_id = {payable}.id AND i.batch_id = %s AND i.status = %s AND i.bank_return_id = %s
"""


def _update_items(batch, pks: list[int], *, outcome: str, reason: str, bank_return) -> None:
    """One UPDATE for many items. On PostgreSQL the ids go as one array joined through unnest():
    a list of 50,000 placeholders costs more to build than the update, and `id = ANY(array)` is a
    linear search of the array for every row the planner scans (quadratic on a large return)."""
    if connection.vendor == "postgresql":
        table = OneOffItem._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET status = %s, failure_reason = %s, bank_return_id = %s "
                f"FROM unnest(%s::bigint[]) AS u(id) WHERE {table}.id = u.id AND {table}.batch_id = %s",
                [outcome, reason, bank_return.pk, pks, batch.pk],
            )
        return
    for start in range(0, len(pks), 500):
        OneOffItem.objects.filter(batch=batch, pk__in=pks[start : start + 500]).update(
            status=outcome, failure_reason=reason, bank_return=bank_return
        )


@transaction.atomic
def import_returns(*, user, batch: OneOffBatch, file_name: str, content: bytes) -> OneOffReturn:
    """Match the bank's results to the batch's items (the payroll's parsing and rules): a success
    marks the item and its payable paid on the batch's pay date; a failure marks them failed, to be
    re-issued in the county's next batch or settled by hand. The same file twice changes nothing.
    Set-based: one UPDATE per outcome and failure reason."""
    _guard(user, batch.county)
    batch = (
        OneOffBatch.objects.select_for_update(of=("self",))
        .select_related("county")
        .get(pk=batch.pk)
    )
    if batch.status not in (OneOffBatch.Status.EXPORTED, OneOffBatch.Status.RECONCILED):
        raise ServiceError({"status": [_("银行文件导出后才能导入回盘")]}, status=409)
    digest = hashlib.sha256(content or b"").hexdigest()
    existing = OneOffReturn.objects.filter(batch=batch, sha256=digest).first() if content else None
    if existing is not None:
        return existing
    parsed = read_return(file_name, content)
    # Every item of the batch, locked: the return answers for the batch, so no list of ids.
    lines = {
        str(pk): (status, amount)
        for pk, status, amount in OneOffItem.objects.select_for_update()
        .filter(batch=batch)
        .values_list("pk", "status", "amount_fen")
        .iterator(chunk_size=20_000)
    }
    changes, results, counts = match_return(
        parsed,
        lines,
        status_label=lambda status: OneOffItem.Status(status).label,
        unknown_message=_("流水号不属于本批次"),
    )
    bank_return = OneOffReturn.objects.create(
        batch=batch, file_name=file_name[:200], sha256=digest, uploaded_by=user
    )
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for ref, outcome, reason in changes:
        groups[(outcome, reason)].append(int(ref))
    t = _tables()
    db_paid_on = connection.ops.adapt_datefield_value(batch.pay_date)
    for (outcome, reason), pks in groups.items():
        _update_items(batch, pks, outcome=outcome, reason=reason, bank_return=bank_return)
    with connection.cursor() as cursor:
        for outcome, paid_on in (("paid", db_paid_on), ("failed", None)):
            cursor.execute(
                _SETTLE_PAYABLES_SQL.format(**t),
                [outcome, paid_on, batch.pk, outcome, bank_return.pk],
            )
    # A plain success needs no line of its own (the counts say how many): the report keeps the
    # rows that need reading, so a 50,000-row return stays small.
    bank_return.save_report(
        rows=[row for row in results if row["result"] != "paid"],
        row_count=len(parsed),
        counts=counts,
    )
    refresh_totals(batch)
    if not OneOffItem.objects.filter(batch=batch, status=OneOffItem.Status.EXPORTED).exists():
        batch.status = OneOffBatch.Status.RECONCILED
        batch.save(update_fields=["status"])
    payments_returned.send(sender=OneOffItem, kind="oneoff", bank_return=bank_return)
    audit.record(
        AuditEvent.Action.IMPORT,
        obj=batch,
        object_repr=f"{_repr(batch)} {file_name}"[:200],
        after={"file": file_name, "sha256": digest, **counts, "status": batch.status},
        note=_(
            "导入一次性救助银行回盘：成功 %(paid)s 笔，失败 %(failed)s 笔，"
            "此前已确认 %(unchanged)s 笔，有误 %(errors)s 行"
        )
        % counts,
    )
    return bank_return


# ---------------------------------------------------------------- handovers


def may_record_handover(user, payable: OneOffPayable) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or user.role in HANDOVER_ROLES)
        and user.can_write
        and region_in_scope(user, payable.region)
    )


@transaction.atomic(durable=True)
def record_handover(
    *,
    user,
    payable: OneOffPayable,
    kind: str,
    recipient_name: str,
    handed_by_name: str,
    handed_on: dt.date,
    amount_fen: int | None = None,
    items: str = "",
    evidence=None,
) -> Handover:
    """Cash or goods handed over in person: settles the payable (cash or in kind) with who handed
    what to whom and when, and the signature or photo (encrypted at rest). Only a payable not with
    the bank (pending, or failed and not yet re-issued) can be settled this way."""
    if user is None or not user.is_authenticated or not region_in_scope(user, payable.region):
        raise NotFoundOrOutOfScope()
    if not may_record_handover(user, payable):
        raise PermissionDeniedError(_("当前账号无权登记现金或实物发放"))
    payable = OneOffPayable.objects.select_for_update().select_related("region").get(pk=payable.pk)
    if payable.status not in (OneOffPayable.Status.PENDING, OneOffPayable.Status.FAILED):
        raise ServiceError(
            {
                "status": [
                    _("该笔当前状态为“%(s)s”，不能再登记现金或实物发放")
                    % {"s": payable.get_status_display()}
                ]
            },
            status=409,
        )
    errors: dict[str, list[str]] = {}
    if kind not in Handover.Kind.values:
        errors["kind"] = [_("请选择发放方式")]
    recipient_name = (recipient_name or "").strip()
    handed_by_name = (handed_by_name or "").strip()
    items = (items or "").strip()
    if not recipient_name or len(recipient_name) > 64:
        errors["recipient_name"] = [_("请填写领取人姓名（不超过64个字）")]
    if not handed_by_name or len(handed_by_name) > 64:
        errors["handed_by_name"] = [_("请填写发放人姓名（不超过64个字）")]
    if not isinstance(handed_on, dt.date):
        errors["handed_on"] = [_("请填写发放日期")]
    elif handed_on > timezone.localdate() or handed_on < payable.decided_on:
        errors["handed_on"] = [_("发放日期应在核定日期之后、今天之前")]
    if kind == Handover.Kind.CASH:
        if amount_fen != payable.amount_fen:
            errors["amount_fen"] = [
                _("现金金额应与核定金额 %(y)s 元一致") % {"y": yuan_str(payable.amount_fen)}
            ]
        items = ""
    elif kind == Handover.Kind.IN_KIND:
        if not items or len(items) > 300:
            errors["items"] = [_("请填写实物名称和数量（不超过300个字）")]
        amount_fen = None
    content = b""
    if evidence is None:
        errors["evidence"] = [_("请上传领取人签字或发放照片")]
    else:
        content = evidence.read() if hasattr(evidence, "read") else bytes(evidence)
        if not content or len(content) > EVIDENCE_MAX_BYTES:
            errors["evidence"] = [_("文件不能为空，且不超过10MB")]
        elif _sniff_type(content) not in EVIDENCE_TYPES:
            # Judged by the bytes, never by the name or the declared type.
            errors["evidence"] = [_("请上传 JPG、PNG 图片或 PDF 文件")]
    if errors:
        raise ServiceError(errors)
    from django.core.files.base import ContentFile

    handover = Handover(
        payable=payable,
        kind=kind,
        amount_fen=amount_fen,
        items=items,
        recipient_name=recipient_name,
        handed_by_name=handed_by_name,
        handed_on=handed_on,
        evidence_name=(getattr(evidence, "name", "") or "")[:200],
        evidence_type=_sniff_type(content),
        recorded_by=user,
    )
    handover.evidence.save("evidence", ContentFile(content), save=False)
    handover.save()
    audit.record(
        AuditEvent.Action.CREATE,
        obj=handover,
        object_repr=f"{payable} {handover.get_kind_display()}",
        region_code=payable.audit_region_code,
        after={
            "payable_id": payable.pk,
            "kind": kind,
            "amount_fen": amount_fen,
            "items": items,
            "recipient_name": recipient_name,
            "handed_by_name": handed_by_name,
            "handed_on": handed_on.isoformat(),
            "evidence_sha256": hashlib.sha256(content).hexdigest(),
            "evidence_size": len(content),
        },
        note=_("登记现金或实物发放"),
    )
    with audit.audited(
        payable, note=_("现金或实物发放：%(k)s") % {"k": handover.get_kind_display()}
    ):
        payable.status = (
            OneOffPayable.Status.CASH
            if kind == Handover.Kind.CASH
            else OneOffPayable.Status.IN_KIND
        )
        payable.paid_on = handed_on
        payable.save(update_fields=["status", "paid_on"])
    return handover


def _sniff_type(content: bytes) -> str:
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    return ""


# ---------------------------------------------------------------- the case timeline


def payment_events(case) -> list[dict]:
    """What happened to the case's payments, for its timeline: (date, label, detail)."""
    events = []
    for payable in OneOffPayable.objects.filter(case=case).order_by("id"):
        if payable.status in (OneOffPayable.Status.CASH, OneOffPayable.Status.IN_KIND):
            events.append(
                {
                    "on": payable.paid_on,
                    "label": payable.get_status_display(),
                    "detail": _("%(y)s 元") % {"y": yuan_str(payable.amount_fen)},
                }
            )
        items = OneOffItem.objects.filter(payable=payable).select_related("batch").order_by("id")
        for item in items:
            if item.status == OneOffItem.Status.PAID:
                events.append(
                    {
                        "on": item.batch.pay_date,
                        "label": _("失败后重新发放成功") if item.attempt > 1 else _("银行发放成功"),
                        "detail": _("%(y)s 元") % {"y": yuan_str(item.amount_fen)},
                    }
                )
            elif item.status in (OneOffItem.Status.FAILED, OneOffItem.Status.REQUEUED):
                events.append(
                    {
                        "on": item.batch.pay_date,
                        "label": _("银行发放失败"),
                        "detail": item.failure_reason,
                    }
                )
            elif item.attempt > 1:
                events.append(
                    {
                        "on": item.batch.pay_date,
                        "label": _("失败后重新发放"),
                        "detail": _("编入 %(d)s 发放批次") % {"d": item.batch.pay_date},
                    }
                )
        if payable.status == OneOffPayable.Status.PAID and not items and payable.paid_on:
            events.append(
                {
                    "on": payable.paid_on,
                    "label": _("已转账发放"),
                    "detail": _("%(y)s 元") % {"y": yuan_str(payable.amount_fen)},
                }
            )
    return events
