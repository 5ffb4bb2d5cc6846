"""The Excel template offered on the import page."""

from __future__ import annotations

from django.utils.translation import gettext as _

from minzheng.core import sheets

from .columns import COLUMNS


def import_template_xlsx() -> bytes:
    """An Excel template: the headers, one example row, and a sheet explaining every column."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = sheets.workbook()
    sheet = workbook.active
    sheet.title = _("人口信息")
    required_fill = PatternFill("solid", fgColor="FFE699")
    # Long digit strings must stay text, or Excel keeps only 15 significant digits.
    text_columns = {"id_number", "hukou_region", "household_key", "bank_account", "phone"}
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        header = sheets.put(sheet, 1, index, column.header)
        header.font = Font(bold=True)
        if column.required:
            header.fill = required_fill
        example = sheets.put(sheet, 2, index, column.example or None)
        if column.key in text_columns:
            example.number_format = "@"
            sheet.column_dimensions[letter].number_format = "@"
        sheet.column_dimensions[letter].width = max(
            12, len(column.example) + 4, len(column.header) * 2 + 4
        )
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet(_("填写说明"))
    sheets.append(notes, [_("列名"), _("是否必填"), _("说明"), _("示例")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        sheets.append(
            notes,
            [
                column.header,
                _("必填") if column.required else _("选填"),
                column.hint,
                column.example,
            ],
        )
    for letter, width in (("A", 18), ("B", 10), ("C", 60), ("D", 24)):
        notes.column_dimensions[letter].width = width
    return sheets.xlsx_bytes(workbook)
