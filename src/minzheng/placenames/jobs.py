"""Background job of the place-name census: the bulk import of an exchange file, with progress."""

from django.utils.translation import gettext_lazy as _

from minzheng.core import jobs, uploads
from minzheng.core.jobs import job

from . import exchange


@job(exchange.JOB_KIND, _("导入地名普查数据"))
def import_placenames(ctx, *, path: str, original_name: str = "", size=None, sha256="") -> dict:
    report = exchange.run_import(
        user=ctx.job.created_by,
        data=uploads.read(path),
        source=f"import:{ctx.job.pk}",
        progress=ctx.progress,
    )
    uploads.discard(path)
    ctx.progress(report.rows, report.rows, exchange.summary(report), force=True)
    return report.as_result()


def enqueue_import(*, user, uploaded, name: str):
    stored = uploads.store(uploaded, folder="placenames-imports")
    return jobs.enqueue(
        exchange.JOB_KIND,
        params={**stored.as_params(), "original_name": name[:200]},
        user=user,
        region=user.region,
        title=_("导入地名普查数据：%(n)s") % {"n": name[:100]},
    )
