"""Running an import: the job that reads, validates and writes a file, and starting it."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, sheets, uploads
from minzheng.core.context import Actor, acting_as, current_actor
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent, Job

from .columns import COLUMN_BY_KEY
from .report import (
    ALL_OR_NOTHING,
    JOB_KIND,
    MODES,
    ImportFileError,
    ImportReport,
    Progress,
    RowError,
)
from .validation import validate
from .writing import DEFAULT_CHUNK_HOUSEHOLDS, Source, write


def ensure_can_import(user) -> None:
    if user is None or not user.is_authenticated or not user.is_staff_role or not user.can_write:
        raise PermissionDeniedError(_("当前账号无权导入人口信息"))


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ServiceError({"mode": [_("导入方式应为“全部正确才导入”或“只导入正确的行”")]})


def _actor_for(user) -> Actor:
    actor = current_actor()
    if actor.user_id == user.pk:
        return actor
    return Actor(user_id=user.pk, username=user.get_username(), ip=actor.ip, channel=actor.channel)


def run_import(
    *,
    user,
    path: Path | bytes,
    mode: str,
    progress: Progress | None = None,
    source_name: str = "",
    reference: str = "",
    chunk_households: int = DEFAULT_CHUNK_HOUSEHOLDS,
    today: dt.date | None = None,
) -> ImportReport:
    """Validate the whole file (a path, or its bytes), then write it according to `mode`. Safe to run again."""
    ensure_can_import(user)
    _check_mode(mode)
    if not isinstance(path, bytes):
        source_name = source_name or Path(path).name
        path = uploads.read(
            path
        )  # a stored upload is decrypted here; a plain file is read as it is
    report_file = {"size": len(path), "sha256": hashlib.sha256(path).hexdigest()}
    progress = progress or (lambda done, total, message: None)
    today = today or timezone.localdate()
    report = ImportReport(mode=mode, file_name=source_name, **report_file)
    with acting_as(_actor_for(user)):
        progress(0, 0, _("正在读取和校验文件"))
        try:
            headers, rows, units, file_errors = validate(user=user, path=path, today=today)
        except ImportFileError as exc:
            headers, rows, units, file_errors = {}, [], [], [RowError(None, "", "", str(exc))]
        report.rows = len(rows)
        row_errors = [e for row in rows for e in row.errors]
        if file_errors or (mode == ALL_OR_NOTHING and row_errors):
            report.errors = file_errors + row_errors
            report.skipped_rows = len(rows)
        else:
            key_header = headers.get("household_key", COLUMN_BY_KEY["household_key"].header)
            for unit in units:
                if not unit.has_errors:
                    continue
                report.skipped_rows += len(unit.rows)
                # Rows without an error of their own are reported too, so every row not written is listed.
                for row in unit.rows:
                    if not row.errors:
                        row.errors.append(
                            RowError(
                                row.number,
                                key_header,
                                unit.key,
                                _("同一家庭中有错误的行，整户未导入"),
                            )
                        )
            report.errors = [e for row in rows for e in row.errors]
            progress(0, len(rows), _("正在写入"))
            counts = write(
                units,
                user=user,
                since=today,
                chunk_households=max(1, int(chunk_households)),
                total_rows=len(rows),
                progress=progress,
                source=Source(name=source_name, reference=reference, **report_file),
            )
            report.created_people = counts.created_people
            report.created_households = counts.created_households
            report.existing = counts.existing
            report.existing_households = counts.existing_households
            report.added_members = counts.added_members
            report.possible_duplicates = counts.possible_duplicates
            report.written = True
        _record_import(user=user, report=report, source_name=source_name, reference=reference)
    return report


def _record_import(*, user, report: ImportReport, source_name: str, reference: str) -> None:
    summary = report.as_result()
    summary.pop("errors")
    with transaction.atomic():
        audit.record(
            AuditEvent.Action.IMPORT,
            object_type=JOB_KIND,
            object_id=reference,
            object_repr=source_name,
            region_code=user.region.code if user.region_id else "",
            after=summary,
            note=report.summary(),
        )


def start_import(*, user, path: Path | bytes, original_name: str, mode: str) -> Job:
    """Keep the upload encrypted under MEDIA_ROOT/imports/ and queue the import job, which
    deletes it when the import has finished (see `minzheng.core.uploads`)."""
    from minzheng.core.jobs import enqueue

    ensure_can_import(user)
    _check_mode(mode)
    data = path if isinstance(path, bytes) else Path(path).read_bytes()
    try:
        sheets.file_kind(data[:8])
    except sheets.SheetError as exc:
        raise ServiceError({"file": [str(exc)]}) from None
    stored = uploads.store(data, folder="imports")
    return enqueue(
        JOB_KIND,
        params={**stored.as_params(), "original_name": original_name, "mode": mode},
        user=user,
        region=user.region,
        title=_("导入人口信息：%(name)s") % {"name": original_name},
    )
