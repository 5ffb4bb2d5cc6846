"""Background jobs of household economic-status verification."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from minzheng.core import uploads
from minzheng.core.errors import ServiceError
from minzheng.core.jobs import job

from . import runs, services
from .models import SourceBatch


@job(services.RUN_JOB, _("家庭经济状况核对"))
def run_verification(ctx, *, run_id: int, chunk_findings: int = runs.DEFAULT_FINDING_CHUNK) -> dict:
    try:
        return runs.execute(int(run_id), progress=ctx.progress, chunk=int(chunk_findings))
    except Exception as exc:
        runs.mark_failed(int(run_id), str(exc))
        raise


@job(services.IMPORT_JOB, _("导入部门数据"))
def import_source(
    ctx,
    *,
    path: str,
    source: str,
    as_of: str,
    provider: str = "",
    original_name: str = "",
    mode: str = SourceBatch.Mode.GOOD_ROWS,
) -> dict:
    ctx.progress(0, 1, _("检查和转换数据"), force=True)
    try:
        batch = services.import_path(
            source=source,
            path=uploads.read(path),
            as_of=dt.date.fromisoformat(as_of),
            provider=provider,
            original_name=original_name,
            mode=mode,
            job=ctx.job,
        )
    except ServiceError:
        uploads.discard(path)  # refused as a whole: running it again would not change that
        raise
    # The stored batch holds no plaintext ID number; the upload (encrypted meanwhile) goes now.
    uploads.discard(path)
    message = _("%(source)s：共 %(total)s 条，导入 %(ok)s 条，错误 %(bad)s 条") % {
        "source": batch.get_source_display(),
        "total": batch.rows_total,
        "ok": batch.rows_imported,
        "bad": batch.rows_rejected,
    }
    ctx.progress(1, 1, str(message), force=True)
    return {
        "batch": batch.pk,
        "status": batch.status,
        "rows_total": batch.rows_total,
        "rows_imported": batch.rows_imported,
        "rows_rejected": batch.rows_rejected,
    }
