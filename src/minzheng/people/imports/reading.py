"""Reading an import file: CSV or .xlsx, the header row found and matched to the columns."""

from __future__ import annotations

from operator import itemgetter
from pathlib import Path

from django.utils.translation import gettext as _

from minzheng.core import sheets

from .columns import COLUMNS, HEADER_LOOKUP, header_key
from .report import ImportFileError, RowError
from .rows import ImportRow

_cell_text = sheets.cell_text
# Cells whose type (an Excel number or date) says more than their text.
TYPED_CELLS = ("id_number", "bank_account", "birth_date")


def _text(value) -> str:
    """`sheets.cell_text`, with the common case (a text cell) spelled out: it runs for every cell."""
    if value.__class__ is str:
        if value[:1] == "'":
            value = sheets.unquote(value)
        if "\u3000" in value:
            value = value.replace("\u3000", " ")
        return value.strip()
    return _cell_text(value)


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
    keys = list(positions)
    places = [positions[k] for k in keys]
    typed = [(k, positions[k]) for k in TYPED_CELLS if k in positions]
    width = max(places, default=-1) + 1
    pick = itemgetter(*places) if len(places) > 1 else (lambda values: (values[places[0]],))
    rows = []
    for index in range(header_index + 1, len(table)):
        values = table[index]
        if len(values) < width:
            values = values + [None] * (width - len(values))
        picked = pick(values) if places else ()
        try:
            joined = "".join(picked)
        except TypeError:  # numbers, dates or empty cells (Excel)
            joined = None
        if joined is not None and "'" not in joined and "\u3000" not in joined:
            # Plain text cells (every CSV row, nearly): `_text` is `strip` for them.
            texts, raw = list(map(str.strip, picked)), {}
        else:
            texts = [_text(v) for v in picked]
            raw = {k: values[p] for k, p in typed if values[p].__class__ is not str}
        if not any(texts) and not any(_text(v) for v in values):
            continue
        rows.append(ImportRow(number=index + 1, cells=dict(zip(keys, texts)), raw=raw))
    if not rows and not errors:
        raise ImportFileError(_("文件中只有表头，没有数据"))
    return headers, rows, errors
