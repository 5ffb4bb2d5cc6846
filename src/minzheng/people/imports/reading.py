"""Reading an import file: CSV or .xlsx, the header row found and matched to the columns."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from minzheng.core import sheets

from .columns import COLUMNS, HEADER_LOOKUP, header_key
from .report import ImportFileError, RowError
from .rows import ImportRow

_cell_text = sheets.cell_text


def file_kind(path: Path | bytes) -> str:
    """ "xlsx" or "csv", from the file's first bytes (the stored name may not say)."""
    if isinstance(path, bytes):
        head = path[:8]
    else:
        with open(path, "rb") as fh:
            head = fh.read(8)
    try:
        return sheets.file_kind(head)
    except sheets.SheetError as exc:
        raise ImportFileError(str(exc)) from None


def read_table(path: Path | bytes) -> list[list]:
    """All rows of the file's first sheet as lists of cell values; row i is spreadsheet row i+1."""
    try:
        return sheets.read_rows(path)
    except sheets.SheetError as exc:
        raise ImportFileError(str(exc)) from None


def find_header(table: list[list]) -> int:
    """Index of the header row: the first of the top rows naming two known columns (a title row
    such as "某某村低保名单" may sit above it)."""
    for index, row in enumerate(table[:10]):
        known = {HEADER_LOOKUP.get(header_key(_cell_text(v))) for v in row} - {None}
        if len(known) >= 2:
            return index
    for index, row in enumerate(table):
        if any(_cell_text(v) for v in row):
            return index
    raise ImportFileError(_("文件中没有数据"))


def parse(path: Path | bytes) -> tuple[dict[str, str], list[ImportRow], list[RowError]]:
    """Headers (column key -> header as written), data rows, and header-level errors."""
    table = read_table(path)
    header_index = find_header(table)
    header_row = table[header_index]
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    errors: list[RowError] = []
    header_number = header_index + 1
    for position, cell in enumerate(header_row):
        written = _cell_text(cell)
        key = HEADER_LOOKUP.get(header_key(written))
        if key is None:
            continue  # extra columns (序号, 备注 …) are common and harmless
        if key in positions:
            errors.append(
                RowError(
                    header_number, written, written, _("列“%(column)s”重复") % {"column": written}
                )
            )
            continue
        positions[key] = position
        headers[key] = written
    for column in COLUMNS:
        if column.required and column.key not in positions:
            errors.append(
                RowError(
                    header_number,
                    column.header,
                    "",
                    _("缺少必填列“%(column)s”") % {"column": column.header},
                )
            )
    rows = []
    for index in range(header_index + 1, len(table)):
        values = table[index]
        if not any(_cell_text(v) for v in values):
            continue
        raw = {key: (values[pos] if pos < len(values) else None) for key, pos in positions.items()}
        rows.append(
            ImportRow(number=index + 1, cells={k: _cell_text(v) for k, v in raw.items()}, raw=raw)
        )
    if not rows and not errors:
        raise ImportFileError(_("文件中只有表头，没有数据"))
    return headers, rows, errors
