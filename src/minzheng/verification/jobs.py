"""Background jobs of household economic-status verification."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from minzheng.core import uploads
from minzheng.core.errors import ServiceError
from minzheng.core.jobs import job

from . import adapters, exchange, runs, services
from .models import DepartmentRequest, SourceAdapter, SourceBatch


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


@job(exchange.PULL_JOB, _("拉取部门核对回复"))
def pull_reply(ctx, *, request_id: int) -> dict:
    """Fetch one department's reply from its endpoint and answer the request with it. Running it
    again after a failure fetches again; once the request is answered it does nothing."""
    request = DepartmentRequest.objects.select_related("run", "run__region").get(pk=request_id)
    if request.status != DepartmentRequest.Status.AWAITING:
        return {"request": request.pk, "status": request.status}
    config = SourceAdapter.objects.filter(source=request.source).first()
    if config is None or config.kind != SourceAdapter.Kind.PULL or not config.url:
        message = str(_("该数据来源未配置接口拉取，无法取数"))
        exchange.record_error(request, message)
        raise adapters.ExchangeError(message)
    ctx.progress(0, 3, _("读取核对名单"), force=True)
    rows = exchange.rows_for(request.source, exchange.request_people(request.run))
    ctx.progress(1, 3, _("调用部门接口"), force=True)
    try:
        data = adapters.fetch(config, request, rows)
    except (adapters.ExchangeError, ServiceError) as exc:
        message = (
            str(exc)
            if isinstance(exc, adapters.ExchangeError)
            else "；".join(m for ms in exc.errors.values() for m in ms)
        )
        exchange.record_error(request, message)
        raise adapters.ExchangeError(message) from None
    ctx.progress(2, 3, _("检查部门回复"), force=True)
    batch = exchange.record_reply(
        request=request, data=data, original_name="reply.csv", via="pull", job=ctx.job
    )
    if batch.status != SourceBatch.Status.IMPORTED:
        raise adapters.ExchangeError(DepartmentRequest.objects.get(pk=request.pk).last_error)
    ctx.progress(3, 3, _("已接收部门回复：%(n)s 条") % {"n": batch.rows_imported}, force=True)
    return {"request": request.pk, "batch": batch.pk, "rows": batch.rows_imported}


@job(exchange.REPLY_JOB, _("导入部门核对回复"))
def import_reply(ctx, *, request_id: int, path: str, original_name: str) -> dict:
    """A reply file the clerk uploaded (file exchange), through the same checks as any import."""
    request = DepartmentRequest.objects.get(pk=request_id)
    ctx.progress(0, 1, _("检查部门回复"), force=True)
    try:
        batch = exchange.record_reply(
            request=request,
            data=uploads.read(path),
            original_name=original_name,
            via="file",
            user=ctx.job.created_by,
            job=ctx.job,
        )
    except ServiceError as exc:
        message = "；".join(m for ms in exc.errors.values() for m in ms)
        exchange.record_error(request, message)
        raise adapters.ExchangeError(message) from None
    finally:
        uploads.discard(path)
    if batch.status != SourceBatch.Status.IMPORTED:
        raise adapters.ExchangeError(DepartmentRequest.objects.get(pk=request.pk).last_error)
    ctx.progress(1, 1, _("已接收部门回复：%(n)s 条") % {"n": batch.rows_imported}, force=True)
    return {"request": request.pk, "batch": batch.pk, "rows": batch.rows_imported}
