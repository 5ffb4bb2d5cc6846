"""Jobs of elderly care. Each is idempotent: re-running adds or changes nothing further."""

from __future__ import annotations

from minzheng.core.jobs import job
from minzheng.payments import months

from . import allowance

MONTHLY_JOB = "eldercare.allowance_month"


@job(MONTHLY_JOB, "高龄津贴月度到龄扫描与档次核对")
def allowance_month(ctx, *, month: str) -> dict:
    """Propose those who reach the allowance age in the month, then bring every live allowance
    to the month's band and standard (run before the month's payroll)."""
    first = months.parse(month)

    def progress(done, total, message):
        ctx.progress(done, total, message)

    scan = allowance.scan_enrolments(month=first, progress=progress)
    reconcile = allowance.reconcile_amounts(month=first, progress=progress)
    return {"scan": scan, "reconcile": reconcile}
