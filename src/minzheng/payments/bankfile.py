"""The bank exchange shared by every payment the platform sends to the bank (the monthly payroll,
one-off payments): the one bank file format, its writer, and the reading and matching of the
bank's return file. One format, so the bank's import and the reconciliation are the same for
both."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from django.utils.translation import gettext as _

from minzheng.core import sheets
from minzheng.core.errors import ServiceError
from minzheng.core.money import parse_yuan, yuan_str

# The bank file's columns: an exchange format agreed with the bank, so not translated.
EXPORT_HEADER = [
    "流水号",
    "县（市、区）",
    "乡镇（街道）",
    "村（社区）",
    "家庭编号",
    "收款人",
    "开户银行",
    "银行账号",
    "金额（元）",
    "救助项目",
    "所属月份",
]
AMOUNT_COLUMN = EXPORT_HEADER.index("金额（元）")


def bank_file(rows: Iterable[list], *, stem: str, fmt: str) -> tuple[bytes, str, str]:
    """(content, file name, content type) of the bank file: CSV or Excel, never a formula."""
    name = f"{stem}.{fmt}"
    if fmt == "csv":
        return sheets.csv_bytes(rows, header=EXPORT_HEADER), name, sheets.CSV_TYPE
    workbook = sheets.workbook(write_only=True)
    sheet = workbook.create_sheet(_("发放明细"))
    sheets.append(sheet, EXPORT_HEADER)
    for row in rows:
        sheets.append(sheet, row)
    return sheets.xlsx_bytes(workbook), name, sheets.XLSX_TYPE


def check_format(fmt: str) -> None:
    if fmt not in ("csv", "xlsx"):
        raise ServiceError({"format": [_("导出格式应为 csv 或 xlsx")]})


# ---------------------------------------------------------------- returns

_REFERENCE = ("流水号", "reference", "line_id")
_AMOUNT = ("金额（元）", "金额", "amount")
_RESULT = ("结果", "处理结果", "状态", "result", "status")
_REASON = ("失败原因", "原因", "reason")
_PAID_WORDS = {"成功", "success", "paid", "ok", "s", "1"}
_FAILED_WORDS = {"失败", "failed", "fail", "f", "0"}


def _read_table(file_name: str, content: bytes) -> list[list[str]]:
    try:
        return [
            [sheets.cell_text(v) for v in row] for row in sheets.read_rows(content, name=file_name)
        ]
    except sheets.SheetError as exc:
        raise ServiceError({"file": [str(exc)]}) from None


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name.lower() in lowered:
            return lowered.index(name.lower())
    return None


def read_return(file_name: str, content: bytes) -> list[dict]:
    """The return file's data rows as {row, reference, amount_text, amount (fen or None),
    result_text, outcome ("paid", "failed" or "")}, with `reason`. Refuses an empty file or one
    without the reference, amount and result columns."""
    if not content:
        raise ServiceError({"file": [_("请选择回盘文件")]})
    table = [row for row in _read_table(file_name, content) if any(row)]
    if not table:
        raise ServiceError({"file": [_("回盘文件为空")]})
    header, body = table[0], table[1:]
    ref_col, amount_col, result_col, reason_col = (
        _column(header, n) for n in (_REFERENCE, _AMOUNT, _RESULT, _REASON)
    )
    missing = [
        label
        for label, col in (("流水号", ref_col), ("金额", amount_col), ("结果", result_col))
        if col is None
    ]
    if missing:
        raise ServiceError({"file": [_("回盘文件缺少列：%(cols)s") % {"cols": "、".join(missing)}]})
    parsed = []
    for number, row in enumerate(body, start=2):

        def cell(col, row=row):
            return row[col] if col is not None and col < len(row) else ""

        outcome_text = cell(result_col).strip().lower()
        try:
            amount = parse_yuan(cell(amount_col))
        except ValueError:
            amount = None
        parsed.append(
            {
                "row": number,
                "reference": cell(ref_col),
                "amount_text": cell(amount_col),
                "amount": amount,
                "result_text": cell(result_col),
                "outcome": "paid"
                if outcome_text in _PAID_WORDS
                else "failed"
                if outcome_text in _FAILED_WORDS
                else "",
                "reason": cell(reason_col),
            }
        )
    return parsed


def match_return(
    parsed: list[dict],
    lines: Mapping[str, tuple[str, int]],
    *,
    status_label: Callable[[str], str],
    unknown_message: str,
) -> tuple[list[tuple[str, str, str]], list[dict], dict]:
    """Match the return's rows to the lines sent (reference → (status, amount in fen)).

    Returns the changes to make, as (reference, outcome, failure reason), the per-row report and
    the counts. A line is settled at most once: a success for a line already failed and re-queued,
    or a failure for a paid line, is refused and reported; a repeated result changes nothing; an
    amount that differs from the line, or has a third decimal, is the bank's error to correct and
    is never rounded away."""
    changes: list[tuple[str, str, str]] = []
    results: list[dict] = []
    counts = {"paid": 0, "failed": 0, "unchanged": 0, "errors": 0}
    states = dict(lines)
    for row in parsed:
        ref, outcome, amount = row["reference"], row["outcome"], row["amount"]
        state = states.get(ref)
        message = ""
        if state is None:
            message = unknown_message
        elif amount is None:
            message = _("金额“%(v)s”格式不正确：应为元，最多两位小数") % {"v": row["amount_text"]}
        elif not outcome:
            message = _("无法识别处理结果“%(v)s”") % {"v": row["result_text"]}
        elif amount != state[1]:
            message = _("金额与发放明细不符（明细为 %(a)s 元）") % {"a": yuan_str(state[1])}
        elif state[0] == outcome or (state[0] == "requeued" and outcome == "failed"):
            counts["unchanged"] += 1
            results.append(
                {"row": row["row"], "reference": ref, "result": "unchanged", "message": ""}
            )
            continue
        elif state[0] != "exported":
            message = _("该笔当前状态为“%(s)s”，不能再确认为“%(o)s”") % {
                "s": status_label(state[0]),
                "o": status_label(outcome),
            }
        if message:
            counts["errors"] += 1
            results.append(
                {"row": row["row"], "reference": ref, "result": "error", "message": str(message)}
            )
            continue
        reason = (row["reason"] or _("银行退回"))[:200] if outcome == "failed" else ""
        states[ref] = (outcome, state[1])
        changes.append((ref, outcome, reason))
        counts[outcome] += 1
        results.append({"row": row["row"], "reference": ref, "result": outcome, "message": reason})
    return changes, results, counts
