"""Background jobs of the population registry."""

from django.utils.translation import gettext_lazy as _

from minzheng.core import uploads
from minzheng.core.jobs import job

from . import imports


@job(imports.JOB_KIND, _("导入人口信息"))
def import_people(
    ctx,
    *,
    path: str,
    mode: str,
    original_name: str = "",
    size: int | None = None,
    sha256: str = "",
    chunk_households: int = imports.DEFAULT_CHUNK_HOUSEHOLDS,
) -> dict:
    report = imports.run_import(
        user=ctx.job.created_by,
        path=uploads.read(path),
        mode=mode,
        progress=ctx.progress,
        source_name=original_name,
        reference=str(ctx.job.pk),
        chunk_households=chunk_households,
    )
    # The import has finished (written or refused): the file goes; its name, size, checksum and
    # the row report stay in the job result and the audit event. A killed job keeps it for the rerun.
    uploads.discard(path)
    # Progress is saved at most twice a second; save the closing summary for sure.
    ctx.progress(report.rows, report.rows, report.summary(), force=True)
    return report.as_result()
