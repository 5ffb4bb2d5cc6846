"""Import of departmental data: one file (CSV, Excel or Parquet) becomes one dated batch.

Reading and checking are vectorised (pyarrow compute and numpy), so a department's file of
millions of rows is checked column by column rather than row by row. The only per-row Python work
is the keyed hash of each ID number.

What is stored: a Parquet file per batch (MEDIA_ROOT/verification/batches/<source>/<id>.parquet)
with `_batch`, `_row` and the typed columns of the schema, ID numbers replaced by their join key
and masked form; one SourceBatch row with counts, checksums and the first errors; and a CSV error
report with every rejected row (masked). The uploaded file is deleted once imported, so no
plaintext ID number stays on disk.

Modes: `good_rows` imports the rows that pass and reports the others; `all_or_nothing` imports
nothing when any row fails. Importing the same file for the same source and provider again returns
the existing batch (and a job killed mid-way resumes the batch it started).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, idcard, sheets, uploads
from minzheng.core.errors import ServiceError

from . import keys
from .models import SourceBatch
from .sources import (
    DATE,
    DECIMAL,
    ID,
    INT,
    MONEY,
    MONTH,
    PLATFORM_SOURCE_CODES,
    SCHEMA_VERSION,
    STR,
    Column,
    Source,
    get_source,
)

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}
ERRORS_KEPT = 200
ID_WEIGHTS = np.array((7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), dtype=np.int64)
ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_NULL_STR = pa.scalar(None, pa.string())


def batch_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "verification" / "batches"


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "verification" / "uploads"


def batch_path(batch: SourceBatch) -> Path:
    return Path(settings.MEDIA_ROOT) / batch.path


# --------------------------------------------------------------------------------------------
# Reading files: every column as text (Parquet keeps numbers and dates typed)


def file_format(name: str) -> str:
    fmt = FORMATS.get(Path(name).suffix.lower())
    if fmt is None:
        raise ServiceError({"file": [_("文件格式应为 CSV、Excel（.xlsx）或 Parquet")]})
    return fmt


def _head(source: Path | bytes, size: int) -> bytes:
    if isinstance(source, bytes):
        return source[:size]
    with open(source, "rb") as fh:
        return fh.read(size)


def _csv_encoding(source: Path | bytes) -> str:
    head = _head(source, 1 << 16)
    try:
        encoding = sheets.sniff_encoding(head)
    except sheets.SheetError as exc:
        raise ServiceError({"file": [str(exc)]}) from None
    # Arrow reads UTF-8 natively (the BOM is taken off the first header below); others it transcodes.
    return "utf-8" if encoding == "utf-8-sig" else encoding


def _read_csv(path: Path | bytes) -> pa.Table:
    encoding = _csv_encoding(path)
    binary = io.BytesIO(path) if isinstance(path, bytes) else open(path, "rb")  # noqa: SIM115
    with io.TextIOWrapper(binary, encoding=encoding, newline="") as fh:
        header = next(csv.reader(fh), None)
    if not header:
        raise ServiceError({"file": [_("文件为空或没有表头")]})
    names = [h.lstrip("\ufeff") for h in header]
    read = pacsv.ReadOptions(encoding=encoding, column_names=names, skip_rows=1, block_size=1 << 24)
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names}, strings_can_be_null=False, null_values=[]
    )
    try:
        return pacsv.read_csv(
            io.BytesIO(path) if isinstance(path, bytes) else path,
            read_options=read,
            convert_options=convert,
        )
    except pa.ArrowInvalid as exc:
        raise ServiceError(
            {"file": [_("CSV 文件无法读取：%(e)s") % {"e": str(exc)[:200]}]}
        ) from None


def _excel_cell(value):
    return None if value is None else sheets.cell_text(value)


def _read_xlsx(path: Path | bytes) -> pa.Table:
    try:
        book = sheets.open_xlsx(path)
    except sheets.SheetError as exc:
        raise ServiceError({"file": [str(exc)]}) from None
    try:
        rows = sheets.xlsx_rows(book)
        header = next(rows, None)
        if not header:
            raise ServiceError({"file": [_("文件为空或没有表头")]})
        names = [
            str(h).strip() if h is not None else f"column{i + 1}" for i, h in enumerate(header)
        ]
        columns: list[list] = [[] for _ in names]
        for row in rows:
            if row is None or all(v is None for v in row):
                continue
            for i in range(len(names)):
                columns[i].append(_excel_cell(row[i]) if i < len(row) else None)
    finally:
        book.close()
    return pa.table({name: pa.array(values, pa.string()) for name, values in zip(names, columns)})


def read_file(path: Path | bytes, fmt: str) -> pa.Table:
    """The file as a table of text columns; `path` may be the file's bytes (an encrypted upload
    decrypted in memory)."""
    if fmt == "csv":
        return _read_csv(path)
    if fmt == "xlsx":
        return _read_xlsx(path)
    try:
        return pq.read_table(pa.BufferReader(path) if isinstance(path, bytes) else path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ServiceError(
            {"file": [_("Parquet 文件无法读取：%(e)s") % {"e": str(exc)[:200]}]}
        ) from None


_header_key = sheets.header_key


def match_columns(source: Source, table: pa.Table) -> tuple[dict[str, str], list[str]]:
    """schema column -> file column; and the file columns the schema does not know."""
    by_header = {}
    for column in source.columns:
        for header in column.headers():
            by_header[_header_key(header)] = column.name
    found: dict[str, str] = {}
    unknown = []
    for name in table.column_names:
        target = by_header.get(_header_key(name))
        if target is None or target in found:
            unknown.append(name)
        else:
            found[target] = name
    missing = [str(c.label) for c in source.columns if c.required and c.name not in found]
    if missing:
        raise ServiceError(
            {
                "file": [
                    _("缺少必填列：%(cols)s（列名可用中文表头或字段代码）")
                    % {"cols": "、".join(missing)}
                ]
            }
        )
    return found, unknown


# --------------------------------------------------------------------------------------------
# Checking and converting one column


@dataclass
class Parsed:
    values: pa.Array
    bad: np.ndarray  # a value is present but invalid
    message: str = ""
    extra: dict[str, pa.Array] = field(default_factory=dict)


def _as_text(array: pa.Array) -> pa.Array:
    if not pa.types.is_string(array.type):
        array = pc.cast(array, pa.string())
    trimmed = pc.utf8_trim_whitespace(array)
    return pc.if_else(pc.equal(trimmed, ""), _NULL_STR, trimmed)


def _mask(array: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def _fixed_width(array: pa.Array, width: int) -> np.ndarray:
    """The bytes of a string array whose values all have `width` bytes, as an (n, width) matrix."""
    array = pa.concat_arrays([array.cast(pa.string())]) if len(array) else array.cast(pa.string())
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[
        array.offset : array.offset + len(array) + 1
    ]
    data = (
        np.frombuffer(array.buffers()[2], dtype=np.uint8)
        if len(array)
        else np.zeros(0, dtype=np.uint8)
    )
    return data[offsets[0] : offsets[-1]].reshape(len(array), width)


def parse_ids(raw: pa.Array, today: dt.date) -> Parsed:
    text = pc.utf8_upper(_as_text(raw))
    short = _mask(pc.match_substring_regex(text, r"^\d{15}$"))
    if short.any():
        values = text.to_pylist()
        for i in np.flatnonzero(short):
            values[i] = idcard.upgrade_15(values[i])
        text = pa.array(values, pa.string())
    shape = _mask(pc.match_substring_regex(text, r"^\d{17}[0-9X]$"))
    ok = shape.copy()
    if shape.any():
        candidates = text.filter(pa.array(shape))
        matrix = _fixed_width(candidates, 18)
        digits = matrix[:, :17].astype(np.int64) - 48
        check_ok = ID_CHECK[(digits * ID_WEIGHTS).sum(axis=1) % 11] == matrix[:, 17]
        births = pc.utf8_slice_codeunits(candidates, 6, 14)
        parsed = pc.strptime(births, format="%Y%m%d", unit="s", error_is_null=True)
        round_trip = _mask(pc.equal(pc.strftime(parsed, format="%Y%m%d"), births))
        born = pc.cast(parsed, pa.date32()).to_numpy(zero_copy_only=False)
        in_range = (born <= np.datetime64(today, "D")) & (born >= np.datetime64("1880-01-01"))
        ok[np.flatnonzero(shape)] = check_ok & round_trip & in_range
    present = _mask(pc.is_valid(text))
    valid = pc.if_else(pa.array(ok), text, _NULL_STR)
    return Parsed(valid, present & ~ok, _("身份证号码格式或校验位不正确"))


def _date_text(raw: pa.Array) -> pa.Array:
    text = _as_text(raw)
    text = pc.replace_substring_regex(text, r"[T ].*$", "")
    text = pc.replace_substring_regex(text, r"[/.年月]", "-")
    text = pc.replace_substring_regex(text, r"日$", "")
    text = pc.replace_substring_regex(text, r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3")
    text = pc.replace_substring_regex(text, r"^(\d{4})(\d{2})$", r"\1-\2")
    text = pc.replace_substring_regex(text, r"^(\d{4})-(\d)(-|$)", r"\1-0\2\3")
    text = pc.replace_substring_regex(text, r"^(\d{4}-\d{2})-(\d)$", r"\1-0\2")
    return pc.replace_substring_regex(text, r"-$", "")


def _parse_date_text(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    round_trip = _mask(pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), text))
    dates = pc.cast(parsed, pa.date32())
    days = dates.to_numpy(zero_copy_only=False)
    in_range = (
        round_trip & (days >= np.datetime64("1900-01-01")) & (days <= np.datetime64("2100-12-31"))
    )
    return pc.if_else(pa.array(in_range), dates, pa.scalar(None, pa.date32())), in_range


def parse_dates(raw: pa.Array) -> Parsed:
    if pa.types.is_date(raw.type) or pa.types.is_timestamp(raw.type):
        return Parsed(
            pc.cast(pc.cast(raw, pa.timestamp("s")), pa.date32())
            if pa.types.is_timestamp(raw.type)
            else pc.cast(raw, pa.date32()),
            np.zeros(len(raw), dtype=bool),
        )
    text = _date_text(raw)
    values, ok = _parse_date_text(text)
    return Parsed(values, _mask(pc.is_valid(text)) & ~ok, _("日期格式应为 年-月-日，如 2024-01-31"))


def parse_months(raw: pa.Array) -> Parsed:
    if pa.types.is_date(raw.type) or pa.types.is_timestamp(raw.type):
        days = parse_dates(raw).values
    else:
        text = _date_text(raw)
        text = pc.replace_substring_regex(text, r"^(\d{4}-\d{2})$", r"\1-01")
        days, ok = _parse_date_text(text)
        bad = _mask(pc.is_valid(text)) & ~ok
        days = pc.cast(
            pc.floor_temporal(pc.cast(days, pa.timestamp("s")), unit="month"), pa.date32()
        )
        return Parsed(days, bad, _("月份格式应为 年-月，如 2024-01"))
    return Parsed(
        pc.cast(pc.floor_temporal(pc.cast(days, pa.timestamp("s")), unit="month"), pa.date32()),
        np.zeros(len(raw), dtype=bool),
    )


def _numeric(raw: pa.Array) -> bool:
    return (
        pa.types.is_integer(raw.type)
        or pa.types.is_floating(raw.type)
        or pa.types.is_decimal(raw.type)
    )


def parse_money(raw: pa.Array) -> Parsed:
    message = _("金额应为不小于 0 的数字（元），最多两位小数")
    if _numeric(raw):
        as_float = pc.cast(raw, pa.float64())
        fen = pc.round(pc.multiply(as_float, 100.0))
        exact = _mask(pc.less_equal(pc.abs(pc.subtract(pc.multiply(as_float, 100.0), fen)), 1e-6))
        ok = exact & _mask(pc.greater_equal(as_float, 0.0))
        present = _mask(pc.is_valid(raw))
        values = pc.if_else(pa.array(ok), pc.cast(fen, pa.int64()), pa.scalar(None, pa.int64()))
        return Parsed(values, present & ~ok, message)
    text = pc.replace_substring_regex(_as_text(raw), r"[,，¥￥元\s]", "")
    text = pc.if_else(pc.equal(text, ""), _NULL_STR, text)
    ok = _mask(pc.match_substring_regex(text, r"^\d{1,13}(\.\d{1,2})?$"))
    safe = pc.if_else(pa.array(ok), text, _NULL_STR)
    fen = pc.cast(pc.round(pc.multiply(pc.cast(safe, pa.float64()), 100.0)), pa.int64())
    return Parsed(fen, _mask(pc.is_valid(text)) & ~ok, message)


def parse_ints(raw: pa.Array) -> Parsed:
    message = _("应为不小于 0 的整数")
    if _numeric(raw):
        as_float = pc.cast(raw, pa.float64())
        ok = _mask(pc.equal(pc.floor(as_float), as_float)) & _mask(pc.greater_equal(as_float, 0.0))
        return Parsed(
            pc.if_else(pa.array(ok), pc.cast(as_float, pa.int64()), pa.scalar(None, pa.int64())),
            _mask(pc.is_valid(raw)) & ~ok,
            message,
        )
    text = _as_text(raw)
    ok = _mask(pc.match_substring_regex(text, r"^\d{1,15}$"))
    return Parsed(
        pc.cast(pc.if_else(pa.array(ok), text, _NULL_STR), pa.int64()),
        _mask(pc.is_valid(text)) & ~ok,
        message,
    )


def parse_decimals(raw: pa.Array) -> Parsed:
    message = _("应为不小于 0 的数字")
    if _numeric(raw):
        as_float = pc.cast(raw, pa.float64())
        ok = _mask(pc.greater_equal(as_float, 0.0))
        return Parsed(
            pc.if_else(pa.array(ok), as_float, pa.scalar(None, pa.float64())),
            _mask(pc.is_valid(raw)) & ~ok,
            message,
        )
    text = _as_text(raw)
    ok = _mask(pc.match_substring_regex(text, r"^\d{1,12}(\.\d+)?$"))
    return Parsed(
        pc.cast(pc.if_else(pa.array(ok), text, _NULL_STR), pa.float64()),
        _mask(pc.is_valid(text)) & ~ok,
        message,
    )


def parse_text(raw: pa.Array, column: Column) -> Parsed:
    text = _as_text(raw)
    if column.choices:
        accepted = list(column.choices) + [str(label) for label in column.choices.values()]
        codes = list(column.choices) * 2
        index = pc.index_in(text, value_set=pa.array(accepted, pa.string()))
        values = pa.array(codes, pa.string()).take(index)
        bad = _mask(pc.is_valid(text)) & _mask(pc.is_null(index))
        allowed = "、".join(str(label) for label in column.choices.values())
        return Parsed(values, bad, _("取值无效，应为：%(allowed)s") % {"allowed": allowed})
    too_long = _mask(pc.greater(pc.utf8_length(text), column.max_length))
    return Parsed(
        pc.if_else(pa.array(too_long), _NULL_STR, text),
        too_long,
        _("超过 %(n)s 个字符") % {"n": column.max_length},
    )


def parse_column(raw: pa.Array, column: Column, *, today: dt.date) -> Parsed:
    kind = column.kind
    if kind == ID:
        return parse_ids(raw, today)
    if kind == DATE:
        return parse_dates(raw)
    if kind == MONTH:
        return parse_months(raw)
    if kind == MONEY:
        return parse_money(raw)
    if kind == INT:
        return parse_ints(raw)
    if kind == DECIMAL:
        return parse_decimals(raw)
    if kind == STR:
        return parse_text(raw, column)
    raise ValueError(kind)


# --------------------------------------------------------------------------------------------
# Checking a whole table


@dataclass
class Checked:
    table: pa.Table  # the good rows, typed, with _row, ID numbers still in clear (hashed on write)
    rows_total: int
    errors: list[dict]  # row (1-based), column, value (masked), message
    rejected_rows: int
    warnings: list[str]


def _shown(value, column: Column) -> str:
    if value is None:
        return ""
    text = str(value)
    return idcard.mask(text) if column.kind == ID else text[:60]


def check_table(source: Source, table: pa.Table, *, today: dt.date) -> Checked:
    mapping, unknown = match_columns(source, table)
    n = table.num_rows
    warnings = (
        [_("未识别的列（已忽略）：%(cols)s") % {"cols": "、".join(unknown)}] if unknown else []
    )
    typed: dict[str, pa.Array] = {}
    error_columns: list[tuple[Column, str, np.ndarray]] = []
    for column in source.columns:
        if column.name in mapping:
            raw = table.column(mapping[column.name]).combine_chunks()
        else:
            raw = pa.nulls(n, pa.string())
        parsed = parse_column(raw, column, today=today)
        typed[column.name] = parsed.values
        if parsed.bad.any():
            error_columns.append((column, parsed.message, np.flatnonzero(parsed.bad)))
        if column.required:
            missing = _mask(pc.is_null(raw if not pa.types.is_string(raw.type) else _as_text(raw)))
            if missing.any():
                error_columns.append((column, _("必填项为空"), np.flatnonzero(missing)))
    bad_rows = np.zeros(n, dtype=bool)
    for _column, _message, rows in error_columns:
        bad_rows[rows] = True
    errors = []
    for column, message, rows in error_columns:
        raw = table.column(mapping[column.name]) if column.name in mapping else None
        for row in rows:
            value = raw[int(row)].as_py() if raw is not None else None
            errors.append(
                {
                    "row": int(row) + 1,
                    "column": str(column.label),
                    "value": _shown(value, column),
                    "message": message,
                }
            )
    errors.sort(key=lambda e: (e["row"], e["column"]))
    keep = pa.array(~bad_rows)
    good = pa.table({"_row": pa.array(np.arange(1, n + 1, dtype=np.int64)), **typed}).filter(keep)
    return Checked(good, n, errors, int(bad_rows.sum()), warnings)


def stored_table(source: Source, checked: pa.Table, batch_id: int) -> pa.Table:
    """The batch file's content: ID numbers replaced by join key and masked form."""
    n = checked.num_rows
    columns: dict[str, pa.Array] = {
        "_batch": pa.array(np.full(n, batch_id, dtype=np.int64)),
        "_row": checked.column("_row"),
    }
    for column in source.columns:
        values = checked.column(column.name)
        if column.kind == ID:
            present = _mask(pc.is_valid(values))
            key_values = np.zeros(n, dtype=np.int64)
            if present.any():
                key_values[present] = keys.keys_from_numbers(
                    values.filter(pa.array(present)).to_pylist()
                )
            prefix = column.key_prefix
            columns[f"{prefix}key"] = pa.array(key_values, mask=~present)
            values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
            # An absent number stays absent (null), not an empty mask.
            columns[f"{prefix}masked"] = pc.if_else(
                pc.is_valid(values), idcard.mask_array(values), pa.scalar(None, pa.string())
            )
        else:
            columns[column.name] = values
    return pa.table(columns).cast(source.stored_schema())


# --------------------------------------------------------------------------------------------
# The batch


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_error_report(path: Path, errors: list[dict]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = sheets.CsvWriter(fh)
        writer.writerow([_("记录号"), _("列"), _("值"), _("错误")])
        for e in errors:
            writer.writerow([e["row"], e["column"], e["value"], e["message"]])


def _relative(path: Path) -> str:
    return str(path.relative_to(Path(settings.MEDIA_ROOT)))


def import_file(
    *,
    source: str,
    path: Path | bytes,
    as_of: dt.date,
    provider: str = "",
    original_name: str = "",
    mode: str = SourceBatch.Mode.GOOD_ROWS,
    user=None,
    job=None,
    today: dt.date | None = None,
    reply: bool = False,
) -> SourceBatch:
    """Check and store one departmental file as a batch (see the module docstring)."""
    try:
        schema = get_source(source)
    except KeyError:
        raise ServiceError({"source": [_("数据来源无效")]}) from None
    if schema.platform:
        raise ServiceError({"source": [_("本平台数据每次核对时自动取数，无需导入")]})
    if mode not in SourceBatch.Mode.values:
        raise ServiceError({"mode": [_("导入方式无效")]})
    today = today or timezone.localdate()
    if as_of > today:
        raise ServiceError({"as_of": [_("数据截止日期不能晚于今天")]})
    if isinstance(path, bytes):
        digest, size = hashlib.sha256(path).hexdigest(), len(path)
    else:
        path = Path(path)
        original_name = original_name or path.name
        digest, size = sha256_of(path), path.stat().st_size
    fmt = file_format(original_name)
    provider = (provider or "").strip()[:100]
    done = (
        SourceBatch.objects.filter(source=source, provider=provider, file_sha256=digest)
        .exclude(status=SourceBatch.Status.IMPORTING)
        .first()
    )
    if done is not None:
        return done  # the same file was imported (or rejected) before
    # A file that fails the schema check leaves nothing behind; a batch row exists from here on.
    checked = check_table(schema, read_file(path, fmt), today=today)
    with transaction.atomic():
        batch, _created = SourceBatch.objects.select_for_update().get_or_create(
            source=source,
            provider=provider,
            file_sha256=digest,
            defaults={
                "as_of": as_of,
                "mode": mode,
                "original_name": original_name[:200],
                "file_format": fmt,
                "file_size": size,
                "schema_version": SCHEMA_VERSION,
                "imported_by": user,
                "job": job,
                "reply": reply,
            },
        )
    if batch.status != SourceBatch.Status.IMPORTING:
        return batch
    folder = batch_dir() / source
    folder.mkdir(parents=True, exist_ok=True)
    report_path = folder / f"{batch.pk}.errors.csv"
    if checked.errors:
        _write_error_report(report_path, checked.errors)
    rejected = mode == SourceBatch.Mode.ALL_OR_NOTHING and bool(checked.errors)
    data_path = folder / f"{batch.pk}.parquet"
    parquet_digest = ""
    if not rejected:
        stored = stored_table(schema, checked.table, batch.pk)
        partial = folder / f".{batch.pk}.{uuid.uuid4().hex}.tmp"
        pq.write_table(stored, partial, compression="zstd", row_group_size=1 << 20)
        os.replace(
            partial, data_path
        )  # atomic: a killed import never leaves half a file under the real name
        parquet_digest = sha256_of(data_path)
    with transaction.atomic():
        batch = SourceBatch.objects.select_for_update().get(pk=batch.pk)
        batch.status = SourceBatch.Status.REJECTED if rejected else SourceBatch.Status.IMPORTED
        batch.as_of, batch.mode = as_of, mode
        batch.columns = [f.name for f in schema.stored_schema()]
        batch.rows_total = checked.rows_total
        batch.rows_rejected = checked.rows_total if rejected else checked.rejected_rows
        batch.rows_imported = 0 if rejected else checked.table.num_rows
        batch.errors = checked.errors[:ERRORS_KEPT]
        batch.warnings = checked.warnings
        batch.path = "" if rejected else _relative(data_path)
        batch.parquet_sha256 = parquet_digest
        batch.error_report = _relative(report_path) if checked.errors else ""
        batch.imported_at = timezone.now()
        batch.save()
        audit.record(
            "import",
            obj=batch,
            object_repr=str(batch)[:200],
            after={
                "source": source,
                "provider": provider,
                "as_of": as_of,
                "status": batch.status,
                "rows_total": batch.rows_total,
                "rows_imported": batch.rows_imported,
                "rows_rejected": batch.rows_rejected,
                "file_sha256": digest,
                "parquet_sha256": parquet_digest,
            },
            note=original_name[:200],
        )
    return batch


def store_upload(uploaded, original_name: str) -> Path:
    """Keep an uploaded file, encrypted, until its import job has run (the job deletes it)."""
    return uploads.store(uploaded, folder="verification/uploads").path


def current_batches(*, sources: list[str] | None = None) -> dict[str, list[SourceBatch]]:
    """The batches a run reads: per source, the latest imported batch of each provider."""
    qs = SourceBatch.objects.filter(status=SourceBatch.Status.IMPORTED, reply=False).exclude(
        source__in=PLATFORM_SOURCE_CODES
    )
    if sources is not None:
        qs = qs.filter(source__in=sources)
    latest: dict[tuple[str, str], SourceBatch] = {}
    for batch in qs.order_by("source", "provider", "-as_of", "-id"):
        latest.setdefault((batch.source, batch.provider), batch)
    result: dict[str, list[SourceBatch]] = {}
    for (source, _provider), batch in sorted(latest.items()):
        result.setdefault(source, []).append(batch)
    return result
