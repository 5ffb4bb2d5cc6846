"""Spreadsheets in and out: the one reader and the one writer of every CSV and Excel file.

Writing. A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, WPS and LibreOffice as a formula (CSV injection: ``=HYPERLINK(...)`` in a name, ``-2+3``
in an address). Every text cell such a character starts gets a leading apostrophe (OWASP's
advice), and every Excel text cell is typed as a string, so no file the platform writes ever
carries a formula. Numbers passed as numbers (int, Decimal, float) stay numbers: -0.05 in an
amount column is a value, not a formula. Callers therefore pass amounts as ``Decimal``
(``core.money.yuan_decimal``), never as preformatted text.

Reading. Bytes or a path; CSV in UTF-8 (with or without a byte-order mark), UTF-16 or GB18030
(a superset of GBK/GB2312, what Excel writes for Chinese CSV), comma or tab separated; ``.xlsx``
by its first bytes. Rows come back with their spreadsheet row numbers (the first row is 1), and
an apostrophe this writer added is taken off again, so an exported file imports unchanged.
Errors are ``SheetError`` with a user-facing Chinese message.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"

# OWASP CSV injection: the characters a spreadsheet reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
_PLAIN_TYPES = (int, float, Decimal, dt.date, dt.datetime, dt.time)
# Control characters no spreadsheet cell may hold (a stored NUL would break the whole XLSX).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class SheetError(Exception):
    """A file that cannot be read as a table; the message is shown to the user as it is."""

    def __init__(self, message: str, *, row: int | None = None):
        self.row = row
        super().__init__(
            _("第%(row)d行：%(message)s") % {"row": row, "message": message} if row else message
        )


# ---------------------------------------------------------------------------------------------
# Writing


def safe_text(value: str) -> str:
    """A text cell that no spreadsheet will evaluate."""
    return "'" + value if value[:1] in _FORMULA_FIRST else value


def safe_value(value):
    """The value as it goes into a cell: text neutralised, numbers, dates and empties unchanged."""
    if value is None or isinstance(value, _PLAIN_TYPES):  # bool is an int
        return value
    text = str(value)
    if not text.isprintable():  # cheap test first: the regex only for text with control characters
        text = _ILLEGAL.sub("", text)
    return "'" + text if text[:1] in _FORMULA_FIRST else text


def csv_bytes(
    rows: Iterable[Iterable], *, header: Iterable | None = None, bom: bool = True
) -> bytes:
    """A CSV file in UTF-8 with a byte-order mark (Excel then opens the Chinese intact)."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


class CsvWriter:
    """``csv.writer`` with every cell passed through ``safe_value``; for files written in place."""

    def __init__(self, stream):
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([_csv_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def _csv_cell(value):
    if value is None:
        return ""
    if type(value) is str:  # the common case, kept short
        if not value.isprintable():
            value = _ILLEGAL.sub("", value)
        return "'" + value if value[:1] in _FORMULA_FIRST else value
    value = safe_value(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def workbook(*, write_only: bool = False):
    """A new workbook; with ``write_only`` it streams rows (large exports) and has no sheet yet."""
    from openpyxl import Workbook

    wb = Workbook(write_only=write_only)
    return wb


def append(ws, row: Iterable) -> None:
    """Append one row, every text cell neutralised and typed as a string."""
    values = [safe_value(v) for v in row]
    if _is_write_only(ws):
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for value in values:
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            cells.append(cell)
        ws.append(cells)
        return
    ws.append(values)
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def put(ws, row: int, column: int, value):
    """Write one cell of an ordinary worksheet (templates, styled headers) the same safe way."""
    cell = ws.cell(row=row, column=column)
    cell.value = safe_value(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def _is_write_only(ws) -> bool:
    return type(ws).__name__ == "WriteOnlyWorksheet"


def xlsx_bytes(wb) -> bytes:
    """The workbook as bytes. An ordinary workbook is swept first, so a cell written around
    ``append``/``put`` (``ws["B4"] = …``) cannot slip a formula through either."""
    if not wb.write_only:
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        cell.value = safe_text(cell.value)
                        cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Reading


def decode_text(data: bytes) -> str:
    """Text of a CSV file in UTF-8 (BOM or not), UTF-16 (BOM, or the zero bytes of ASCII in it)
    or GB18030."""
    return data.decode(sniff_encoding(data, complete=True))


def sniff_encoding(head: bytes, *, complete: bool = False) -> str:
    """The Python codec of a CSV file from its first bytes. With ``complete`` false the sample may
    end in the middle of a character."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if sample and sample.count(0) * 4 >= len(sample):
        # ASCII in UTF-16 without a BOM: every other byte is zero.
        return "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if not complete and exc.start >= len(head) - 4 and exc.reason == "unexpected end of data":
            return "utf-8"
    try:
        head.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        if not complete and exc.start >= len(head) - 4:
            return "gb18030"
    raise SheetError(_("无法识别文件编码，请另存为UTF-8或GBK编码的CSV文件"))


def file_kind(head: bytes) -> str:
    """ "xlsx" or "csv" from a file's first bytes (the stored name may not say)."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetError(_("不支持旧版Excel（.xls）文件，请另存为.xlsx或CSV后再导入"))
    return "csv"


def unquote(value):
    """Take off the apostrophe ``safe_text`` put before a formula character."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def cell_text(value) -> str:
    """A cell as trimmed text: 1.0 -> "1", dates as ISO dates, ideographic spaces as spaces."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(unquote(value)).replace("\u3000", " ").strip()


def header_key(text) -> str:
    """What a header is matched by: "*身份证号码 ", "\ufeffID_Number" and "id_number" agree
    (byte-order mark, required-markers, spaces and case ignored)."""
    return re.sub(r"[\s\u3000*＊\ufeff]", "", cell_text(text)).lower()


def _source_bytes(source: bytes | Path | str) -> bytes:
    return source if isinstance(source, bytes | bytearray) else Path(source).read_bytes()


def csv_rows(data: bytes) -> list[list[str]]:
    """All rows of a CSV file (comma or tab separated, whichever the first line uses more)."""
    text = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        if "'" not in text:  # no cell to unquote (most files): skip the per-cell pass
            return list(reader)
        return [[unquote(cell) for cell in row] for row in reader]
    except csv.Error as exc:
        raise SheetError(
            _("CSV格式有误：%(e)s") % {"e": str(exc)[:200]}, row=reader.line_num
        ) from None


def open_xlsx(source: bytes | Path | str):
    """An Excel workbook, read-only, values not formulas; SheetError when it is not one."""
    from openpyxl import load_workbook

    try:
        handle = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
        return load_workbook(handle, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, key, value errors) for a damaged file
        raise SheetError(_("无法读取Excel文件，请确认文件为.xlsx格式且未损坏")) from None


def xlsx_rows(wb, sheet: str | int = 0) -> Iterator[list]:
    """The rows of one sheet as lists of cell values (an apostrophe added on export removed)."""
    ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
    for row in ws.iter_rows(values_only=True):
        yield [unquote(v) for v in row]


def read_rows(source: bytes | Path | str, *, name: str = "") -> list[list]:
    """Every row of a CSV file or of an Excel file's first sheet; row i is spreadsheet row i+1.
    The kind comes from the first bytes; a ``name`` ending in .xlsx insists on Excel."""
    data = _source_bytes(source)
    if file_kind(data[:8]) == "csv" and not name.lower().endswith(".xlsx"):
        return csv_rows(data)
    wb = open_xlsx(data)
    try:
        return list(xlsx_rows(wb))
    except (zipfile.BadZipFile, KeyError, ValueError):
        raise SheetError(_("无法读取Excel文件，请确认文件为.xlsx格式且未损坏")) from None
    finally:
        wb.close()


@dataclass
class Table:
    """A table with a header: ``columns`` maps a caller's key to the column position,
    ``rows`` are (spreadsheet row number, cells) with empty rows left out."""

    header_row: int
    header: list[str]
    columns: dict[str, int]
    rows: list[tuple[int, list]]

    def get(self, cells: list, key: str, default=None):
        position = self.columns.get(key)
        return cells[position] if position is not None and position < len(cells) else default

    def text(self, cells: list, key: str) -> str:
        return cell_text(self.get(cells, key))


def read_table(
    source: bytes | Path | str,
    *,
    keys: dict[str, str],
    required: Iterable[str] = (),
    labels: dict[str, str] | None = None,
    search_rows: int = 10,
) -> Table:
    """The table of a file whose header names known columns. ``keys`` maps ``header_key(header)``
    to the caller's column key; the header row is the first of the top ``search_rows`` that names
    two known columns (a title row may sit above it). A missing required column is a SheetError
    naming it (by ``labels[key]`` when given)."""
    table = [row for row in read_rows(source)]
    header_index = None
    for index, row in enumerate(table[:search_rows]):
        if len({keys.get(header_key(v)) for v in row} - {None}) >= 2:
            header_index = index
            break
    if header_index is None:
        header_index = next(
            (i for i, row in enumerate(table) if any(cell_text(v) for v in row)), None
        )
    if header_index is None:
        raise SheetError(_("文件中没有数据"))
    header = [cell_text(v) for v in table[header_index]]
    columns: dict[str, int] = {}
    for position, text in enumerate(header):
        key = keys.get(header_key(text))
        if key is not None and key not in columns:
            columns[key] = position
    missing = [(labels or {}).get(key, key) for key in required if key not in columns]
    if missing:
        raise SheetError(
            _("缺少必填列：%(cols)s") % {"cols": "、".join(missing)}, row=header_index + 1
        )
    rows = [
        (index + 1, row)
        for index, row in enumerate(table[header_index + 1 :], start=header_index + 1)
        if any(cell_text(v) for v in row)
    ]
    return Table(header_row=header_index + 1, header=header, columns=columns, rows=rows)
