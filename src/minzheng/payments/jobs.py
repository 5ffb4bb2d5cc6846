"""Background jobs of payments. Each is idempotent, so a job killed mid-way is simply run again."""

from django.utils.translation import gettext_lazy as _

from minzheng.assistance.models import Standard
from minzheng.core.jobs import job

from . import oneoff, payroll, recompute, services
from .models import OneOffBatch, PayrollRun


def _progress(ctx):
    def report(done: int, total: int, message: str) -> None:
        ctx.progress(done, total or None, str(message))

    return report


@job(payroll.COMPUTE_JOB, _("计算月度发放"))
def compute_payroll(ctx, *, run_id: int, batch_size: int = payroll.BATCH_ENTITLEMENTS) -> dict:
    run = PayrollRun.objects.get(pk=run_id)
    result = payroll.compute_payroll(run=run, progress=_progress(ctx), batch_size=batch_size)
    ctx.progress(
        result["entitlements"],
        result["entitlements"],
        str(_("新增 %(added)s 笔，重新发放 %(requeued)s 笔，共 %(lines)s 笔") % result),
        force=True,
    )
    return result


@job(recompute.RECOMPUTE_JOB, _("按调整后的标准重算待遇"))
def recompute_entitlements(ctx, *, standard_id: int) -> dict:
    result = recompute.recompute_after_standard_change(
        standard=Standard.objects.get(pk=standard_id),
        user=ctx.job.created_by,
        progress=_progress(ctx),
    )
    ctx.progress(
        result["checked"],
        result["checked"],
        str(_("调整金额 %(changed)s 项，提示复核 %(ineligible)s 项") % result),
        force=True,
    )
    return result


@job("payments.scan_deaths", _("核查死亡人员"))
def scan_deaths(ctx) -> dict:
    result = services.scan_deaths(progress=_progress(ctx))
    ctx.progress(
        result["checked"],
        result["checked"],
        str(_("终止 %(terminated)s 项，提示复核 %(flagged_for_review)s 项") % result),
        force=True,
    )
    return result


@job(oneoff.FILL_JOB, _("编制一次性救助发放批次"))
def fill_oneoff_batch(ctx, *, batch_id: int, chunk_size: int = oneoff.BATCH_PAYABLES) -> dict:
    batch = OneOffBatch.objects.get(pk=batch_id)
    result = oneoff.fill_batch(batch=batch, progress=_progress(ctx), chunk_size=chunk_size)
    ctx.progress(
        result["payables"],
        result["payables"],
        str(_("新增 %(added)s 笔，重新发放 %(requeued)s 笔，共 %(lines)s 笔") % result),
        force=True,
    )
    return result
