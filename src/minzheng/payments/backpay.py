"""Back pay (补发) and retroactive reductions, computed by the county's payroll.

When an amount period is put in force from a month already paid (a standard raised
retroactively, a decided amount from an earlier month), the months paid under the old period
are settled by the next payroll of the county, set-based like the monthly computation:

* candidates are the (entitlement, month) pairs before the run's month whose regular line was
  computed under a period no longer in force for that month (its `until_month` now ends on or
  before it) and that have neither a back pay line nor a reduction under the period now in force;
* for each, the difference is the amount now in force minus what was paid for the month (the
  regular and back pay lines that are paid, on their way to the bank, or failed and so to be paid
  again) plus what was already found overpaid for it by an earlier reduction;
* a positive difference is one back pay line (kind `back_pay`, month = the month it makes up
  for, `amount_change` = the period now in force); a negative one is an overpayment (reason
  `reduction`), never a negative line.

The unique constraints on (entitlement, month, period) make a re-run, a killed run or a
concurrent one add nothing; a second retroactive change is a new period and pays only the new
difference. Months left unpaid (suspended, before the start, after the end or a death) have no
line and get no back pay; a suspended entitlement waits until it is resumed.

It runs after the re-queueing of failed payments, so a failed payment is counted once (as the
next attempt), never paid again as a difference.

Each kind is summed on its own so that each sum reads its kind's unique index (the lines'
indexes are partial, by kind).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from minzheng.people.models import Household, Person
from minzheng.regions.models import Region

from .models import Entitlement, EntitlementChange, Overpayment, PayrollLine, PayrollRun

TMP = "payments_back_pay_due"

_DUE_SQL = """
INSERT INTO {tmp} (entitlement_id, month, change_id, diff)
SELECT p.entitlement_id, p.month, c.id,
       c.new_amount_fen
       - (SELECT COALESCE(SUM(x.amount_fen), 0) FROM {line} x
          WHERE x.entitlement_id = p.entitlement_id AND x.month = p.month
            AND x.kind = 'regular' AND x.status IN ('pending', 'exported', 'paid', 'failed'))
       - (SELECT COALESCE(SUM(x.amount_fen), 0) FROM {line} x
          WHERE x.entitlement_id = p.entitlement_id AND x.month = p.month
            AND x.kind = 'back_pay' AND x.status IN ('pending', 'exported', 'paid', 'failed'))
       + (SELECT COALESCE(SUM(o.amount_fen), 0) FROM {over} o
          WHERE o.entitlement_id = p.entitlement_id AND o.month = p.month AND o.reason = 'reduction')
FROM (
  SELECT DISTINCT l.entitlement_id, l.month
  FROM {line} l
  JOIN {change} lc ON lc.id = l.amount_change_id
  JOIN {ent} e ON e.id = l.entitlement_id
  JOIN {region} r ON r.id = e.region_id
  LEFT JOIN {person} pp ON pp.id = e.person_id
  WHERE l.kind = 'regular' AND l.month < %s AND l.status <> 'cancelled'
    AND lc.until_month IS NOT NULL AND lc.until_month <= l.month
    AND r.path LIKE %s
    AND e.status IN ('active', 'terminated')
    AND l.month >= e.start_month AND (e.end_month IS NULL OR l.month <= e.end_month)
    AND (pp.death_date IS NULL OR pp.death_date >= l.month)
) p
JOIN {change} c ON c.entitlement_id = p.entitlement_id AND c.new_amount_fen IS NOT NULL
     AND c.effective_month <= p.month AND (c.until_month IS NULL OR c.until_month > p.month)
WHERE NOT EXISTS (SELECT 1 FROM {line} b WHERE b.entitlement_id = p.entitlement_id AND b.month = p.month
                  AND b.kind = 'back_pay' AND b.amount_change_id = c.id)
  AND NOT EXISTS (SELECT 1 FROM {over} o WHERE o.entitlement_id = p.entitlement_id AND o.month = p.month
                  AND o.reason = 'reduction' AND o.amount_change_id = c.id)
"""

_BACK_PAY_SQL = """
INSERT INTO {line} (run_id, entitlement_id, household_id, person_id, region_id, programme, month, kind, attempt,
                    amount_fen, amount_change_id, payee_name, bank_name, account_cipher, account_masked, status,
                    failure_reason, created_at)
SELECT %s, e.id, e.household_id, e.person_id, e.region_id, e.programme, t.month, 'back_pay', 1,
       t.diff, t.change_id, COALESCE(pp.name, hp.name, ''), h.bank_name, h.bank_account_cipher, h.bank_account_masked,
       'pending', '', %s
FROM {tmp} t
JOIN {ent} e ON e.id = t.entitlement_id
JOIN {household} h ON h.id = e.household_id
LEFT JOIN {person} pp ON pp.id = e.person_id
LEFT JOIN {person} hp ON hp.id = h.head_id
WHERE t.diff > 0
ON CONFLICT DO NOTHING
"""

_REDUCTION_SQL = """
INSERT INTO {over} (entitlement_id, month, amount_change_id, amount_fen, recovered_fen, reason, note, status, method,
                    writeoff_reason, flagged_at)
SELECT t.entitlement_id, t.month, t.change_id, -t.diff, 0, 'reduction', %s, 'open', '', '', %s
FROM {tmp} t
WHERE t.diff < 0
ON CONFLICT DO NOTHING
"""


def _tables() -> dict:
    return {
        "tmp": TMP,
        "line": PayrollLine._meta.db_table,
        "over": Overpayment._meta.db_table,
        "change": EntitlementChange._meta.db_table,
        "ent": Entitlement._meta.db_table,
        "region": Region._meta.db_table,
        "person": Person._meta.db_table,
        "household": Household._meta.db_table,
    }


def compute_back_pay(*, run: PayrollRun, note: str) -> dict:
    """Add the run's back pay lines and record retroactive reductions as overpayments, for every
    entitlement of the run's county. One transaction; idempotent. Returns the counts added."""
    ops = connection.ops
    postgres = connection.vendor == "postgresql"
    t = _tables()
    month = ops.adapt_datefield_value(run.month)
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            # Dropped at the end too: inside an outer transaction ON COMMIT comes too late.
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{TMP}")
            cursor.execute(
                f"CREATE TEMP TABLE {TMP} (entitlement_id bigint, month date, change_id bigint, diff bigint) "
                "ON COMMIT DROP"
            )
        else:
            cursor.execute(f"DROP TABLE IF EXISTS temp.{TMP}")
            cursor.execute(
                f"CREATE TEMP TABLE {TMP} (entitlement_id integer, month date, change_id integer, diff integer)"
            )
        cursor.execute(_DUE_SQL.format(**t), [month, f"{run.county.path}%"])
        now = ops.adapt_datetimefield_value(timezone.now())
        cursor.execute(_BACK_PAY_SQL.format(**t), [run.pk, now])
        added = max(cursor.rowcount, 0)
        cursor.execute(_REDUCTION_SQL.format(**t), [note[:300], now])
        reductions = max(cursor.rowcount, 0)
        cursor.execute(f"DROP TABLE {'pg_temp' if postgres else 'temp'}.{TMP}")
    return {"back_pay": added, "reductions": reductions}


def back_pay_of(run: PayrollRun) -> dict:
    """The run's back pay: count and total, and the lines itemised per household."""
    lines = run.lines.filter(kind=PayrollLine.Kind.BACK_PAY).exclude(
        status=PayrollLine.Status.CANCELLED
    )
    totals = lines.aggregate(count=Count("id"), total=Sum("amount_fen"))
    return {"count": totals["count"] or 0, "total_fen": totals["total"] or 0}


def back_pay_by_household(run: PayrollRun, *, limit: int = 200) -> list[dict]:
    """Back pay lines of the run grouped per household (the first `limit` households)."""
    rows = (
        run.lines.filter(kind=PayrollLine.Kind.BACK_PAY)
        .exclude(status=PayrollLine.Status.CANCELLED)
        .select_related("household", "amount_change")
        .order_by("household_id", "entitlement_id", "month", "id")
    )
    households: dict[int, dict] = {}
    for line in rows.iterator(chunk_size=2000):
        entry = households.get(line.household_id)
        if entry is None:
            if len(households) >= limit:
                break
            entry = households[line.household_id] = {
                "household": line.household,
                "payee": line.payee_name,
                "lines": [],
                "total_fen": 0,
            }
        entry["lines"].append(line)
        entry["total_fen"] += line.amount_fen
    return list(households.values())


def months_paid(entitlement_id: int, month: dt.date) -> int:
    """What was paid for the month (lines paid or on their way), for the history and tests."""
    return (
        PayrollLine.objects.filter(
            entitlement_id=entitlement_id,
            month=month,
            kind__in=[PayrollLine.Kind.REGULAR, PayrollLine.Kind.BACK_PAY],
            status__in=["pending", "exported", "paid", "failed"],
        ).aggregate(total=Sum("amount_fen"))["total"]
        or 0
    )
