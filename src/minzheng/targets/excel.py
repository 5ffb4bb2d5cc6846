"""Excel exchange: a plan out and in (the same three sheets both ways), and the dashboard out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from minzheng.accounts.models import actor_name
from minzheng.core import sheets
from minzheng.core.errors import ServiceError

from . import indicators
from .models import Plan, ReportFrequency
from .services import plan_as_data

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
COMPARISON_SIGNS = {"ge": "≥", "le": "≤", "eq": "="}
SIGN_CODES = {
    "≥": "ge",
    ">=": "ge",
    "≤": "le",
    "<=": "le",
    "=": "eq",
    "ge": "ge",
    "le": "le",
    "eq": "eq",
}
YES = {"是", "yes", "true", "1", "y"}

PLAN_FIELDS = [
    ("year", "年度"),
    ("title", "计划名称"),
    ("region", "制定单位区划代码"),
    ("period_start", "考核期起"),
    ("period_end", "考核期止"),
    ("published_on", "发文日期"),
    ("report_frequency", "填报周期"),
    ("report_grace_days", "填报宽限天数"),
    ("pace_tolerance", "进度预警容差"),
    ("auto_supervise", "预警自动挂牌督办"),
    ("supervision_days", "督办期限（天）"),
    ("source", "来源"),
]
ITEM_COLUMNS = ["板块编号", "板块名称", "事项序号", "事项名称", "责任单位", "工作内容"]
TARGET_COLUMNS = [
    "事项序号",
    "目标编号",
    "目标名称",
    "指标代码",
    "指标名称",
    "比较",
    "目标值",
    "单位",
    "完成期限",
    "权重",
    "区划代码",
    "上级目标编号",
    "填报周期",
    "原文表述",
]
FREQUENCY_LABELS = {c.value: str(c.label) for c in ReportFrequency}


def _header(ws, columns: list[str], widths: list[int]):
    sheets.append(ws, columns)
    for index, width in enumerate(widths, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"


def _save(wb) -> bytes:
    return sheets.xlsx_bytes(wb)


def export_plan_xlsx(plan: Plan) -> bytes:
    data = plan_as_data(plan)
    wb = sheets.workbook()
    ws = wb.active
    ws.title = "计划"
    _header(ws, ["项目", "内容"], [22, 90])
    display = dict(data)
    display["report_frequency"] = FREQUENCY_LABELS.get(
        data["report_frequency"], data["report_frequency"]
    )
    display["auto_supervise"] = "是" if data["auto_supervise"] else "否"
    for key, label in PLAN_FIELDS:
        sheets.append(ws, [label, display.get(key, "")])
    items = wb.create_sheet("工作事项")
    _header(items, ITEM_COLUMNS, [10, 28, 10, 36, 40, 90])
    targets = wb.create_sheet("目标")
    _header(targets, TARGET_COLUMNS, [10, 14, 44, 34, 36, 6, 12, 8, 12, 8, 12, 14, 10, 60])
    for section in data["sections"]:
        for item in section["items"]:
            sheets.append(
                items,
                [
                    section["code"],
                    section["title"],
                    item["number"],
                    item["title"],
                    item["responsible"],
                    item["description"],
                ],
            )
            for row in item["targets"]:
                name = (
                    str(indicators.get(row["indicator"]).name)
                    if indicators.exists(row["indicator"])
                    else ""
                )
                sheets.append(
                    targets,
                    [
                        item["number"],
                        row["code"],
                        row["title"],
                        row["indicator"],
                        name,
                        COMPARISON_SIGNS[row["comparison"]],
                        float(Decimal(row["value"])),
                        row["unit"],
                        dt.date.fromisoformat(row["deadline"]),
                        float(Decimal(row["weight"])),
                        row["region"],
                        row["parent"],
                        FREQUENCY_LABELS.get(row["report_frequency"], ""),
                        row["note"],
                    ],
                )
    for row in targets.iter_rows(min_row=2, min_col=9, max_col=9):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    catalogue = wb.create_sheet("指标说明")
    _header(catalogue, ["指标代码", "指标名称", "单位", "取值方式", "定义"], [34, 40, 8, 14, 90])
    for indicator in indicators.all_indicators():
        sheets.append(
            catalogue,
            [
                indicator.code,
                str(indicator.name),
                str(indicator.unit),
                str(indicator.kind_label),
                str(indicator.definition),
            ],
        )
    return _save(wb)


_text = sheets.cell_text


def _rows(wb, sheet: str, columns: list[str]) -> list[dict]:
    rows = list(sheets.xlsx_rows(wb, sheet))
    if not rows:
        raise ServiceError({"file": [_("工作表“%(sheet)s”为空") % {"sheet": sheet}]})
    header = [_text(c) for c in rows[0]]
    missing = [c for c in columns if c not in header]
    if missing:
        raise ServiceError(
            {
                "file": [
                    _("工作表“%(sheet)s”缺少列：%(columns)s")
                    % {"sheet": sheet, "columns": "、".join(missing)}
                ]
            }
        )
    index = {name: header.index(name) for name in columns}
    result = []
    for row in rows[1:]:
        if all(c is None or _text(c) == "" for c in row):
            continue
        result.append({name: (row[i] if i < len(row) else None) for name, i in index.items()})
    return result


def read_plan_xlsx(content: bytes) -> dict:
    """The plan dictionary of a workbook in the export format (ready for services.import_plan)."""
    try:
        wb = sheets.open_xlsx(content)
    except sheets.SheetError:
        raise ServiceError({"file": [_("无法读取Excel文件，请使用导出的模板（.xlsx）")]}) from None
    for sheet in ("计划", "工作事项", "目标"):
        if sheet not in wb.sheetnames:
            raise ServiceError({"file": [_("缺少工作表“%(sheet)s”") % {"sheet": sheet}]})
    labels = {label: key for key, label in PLAN_FIELDS}
    data: dict = {}
    for row in list(sheets.xlsx_rows(wb, "计划"))[1:]:
        if row and _text(row[0]) in labels:
            data[labels[_text(row[0])]] = row[1] if len(row) > 1 else None
    for key in ("period_start", "period_end", "published_on", "region", "title", "source"):
        data[key] = _text(data.get(key))
    frequency_codes = {label: code for code, label in FREQUENCY_LABELS.items()}
    data["report_frequency"] = frequency_codes.get(
        _text(data.get("report_frequency")), _text(data.get("report_frequency")) or "monthly"
    )
    data["auto_supervise"] = _text(data.get("auto_supervise")).lower() in YES
    data["pace_tolerance"] = _text(data.get("pace_tolerance")) or "0.1"
    sections: dict[str, dict] = {}
    items: dict[int, dict] = {}
    for row in _rows(wb, "工作事项", ITEM_COLUMNS):
        code = _text(row["板块编号"])
        section = sections.setdefault(
            code, {"code": code, "title": _text(row["板块名称"]), "items": []}
        )
        try:
            number = int(_text(row["事项序号"]))
        except ValueError:
            raise ServiceError(
                {"file": [_("工作事项序号应为整数：%(value)s") % {"value": row["事项序号"]}]}
            ) from None
        item = {
            "number": number,
            "title": _text(row["事项名称"]),
            "responsible": _text(row["责任单位"]),
            "description": _text(row["工作内容"]),
            "targets": [],
        }
        section["items"].append(item)
        items[number] = item
    for line, row in enumerate(_rows(wb, "目标", TARGET_COLUMNS), start=2):
        try:
            number = int(_text(row["事项序号"]))
        except ValueError:
            number = None
        if number not in items:
            raise ServiceError(
                {
                    "file": [
                        _("“目标”第%(line)s行：事项序号 %(value)s 不在“工作事项”中")
                        % {"line": line, "value": row["事项序号"]}
                    ]
                }
            )
        comparison = SIGN_CODES.get(_text(row["比较"]))
        if comparison is None:
            raise ServiceError(
                {"file": [_("“目标”第%(line)s行：比较应为 ≥、≤ 或 =") % {"line": line}]}
            )
        items[number]["targets"].append(
            {
                "code": _text(row["目标编号"]),
                "title": _text(row["目标名称"]),
                "indicator": _text(row["指标代码"]),
                "comparison": comparison,
                "value": _text(row["目标值"]),
                "unit": _text(row["单位"]),
                "deadline": _text(row["完成期限"]),
                "weight": _text(row["权重"]) or "1",
                "region": _text(row["区划代码"]),
                "parent": _text(row["上级目标编号"]),
                "report_frequency": frequency_codes.get(_text(row["填报周期"]), ""),
                "note": _text(row["原文表述"]),
            }
        )
    data["sections"] = list(sections.values())
    return data


# ------------------------------------------------------------------------------ dashboard export


def _pct(value) -> float | None:
    return float(value * 100) if value is not None else None


def export_dashboard_xlsx(board, *, org_units=()) -> bytes:
    """The dashboard as shown: the unit's score, its targets, the units below, the bureau's
    sections and affiliated units holding targets (`org_units`: units.selectors.board_rows), the
    supervision list."""
    wb = sheets.workbook()
    ws = wb.active
    ws.title = "概况"
    _header(ws, ["项目", "内容"], [24, 60])
    score = board.score
    sheets.append(ws, ["计划", board.plan.title])
    sheets.append(ws, ["单位", board.region.name])
    sheets.append(ws, ["快照日期", board.on_date])
    sheets.append(ws, ["综合得分", float(score.score) if score and score.scored else None])
    sheets.append(ws, ["有数据的目标", f"{score.scored}/{score.targets}" if score else ""])
    sheets.append(ws, ["同级排名", f"{score.rank}/{score.rank_of}" if score and score.rank else ""])
    for _status, label, count in board.status_counts:
        sheets.append(ws, [f"目标数：{label}", count])
    sheets.append(ws, ["数据逾期未报", board.overdue_reports])
    ws["B4"].number_format = "yyyy-mm-dd"
    ws["B5"].number_format = "0.00"

    targets = wb.create_sheet("目标完成情况")
    _header(
        targets,
        [
            "板块",
            "目标编号",
            "目标",
            "比较",
            "目标值",
            "单位",
            "当前值",
            "完成度（%）",
            "时间进度（%）",
            "状态",
            "数据逾期",
            "完成期限",
            "权重",
            "指标取值方式",
        ],
        [22, 10, 44, 6, 12, 8, 12, 12, 12, 12, 10, 12, 8, 14],
    )
    for section in board.sections:
        for row in section.rows:
            e = row.evaluation
            sheets.append(
                targets,
                [
                    section.title,
                    row.target.code,
                    row.target.title,
                    COMPARISON_SIGNS[row.target.comparison],
                    float(row.target.value),
                    row.target.unit,
                    float(e.value) if e and e.value is not None else None,
                    _pct(e.attainment) if e and e.attainment is not None else None,
                    _pct(e.expected) if e else None,
                    row.status_label,
                    "是" if e and e.report_overdue else "",
                    row.target.deadline,
                    float(row.target.weight),
                    str(row.indicator.kind_label),
                ],
            )
    for row in targets.iter_rows(min_row=2, min_col=8, max_col=9):
        for cell in row:
            cell.number_format = "0.0"
    units = wb.create_sheet("下级单位")
    _header(
        units,
        [
            "单位",
            "区划代码",
            "综合得分",
            "排名",
            "已完成",
            "进度正常",
            "进度滞后",
            "逾期未完成",
            "暂无数据",
            "数据逾期",
        ],
        [20, 14, 10, 10, 8, 8, 8, 10, 8, 8],
    )
    for unit in board.units:
        s = unit.score
        sheets.append(
            units,
            [
                unit.region.name,
                unit.region.code,
                float(s.score) if s and s.scored else None,
                f"{s.rank}/{s.rank_of}" if s and s.rank else "",
                s.met if s else None,
                s.on_track if s else None,
                s.behind if s else None,
                s.missed if s else None,
                s.no_data if s else None,
                s.overdue_reports if s else None,
            ],
        )
    if org_units:
        bureau = wb.create_sheet("局机关科室和局属单位")
        _header(
            bureau,
            [
                "单位",
                "单位类别",
                "综合得分",
                "排名",
                "目标数",
                "已完成",
                "预警",
                "红灯",
                "待审核填报",
            ],
            [26, 12, 10, 10, 8, 8, 8, 8, 10],
        )
        for row in org_units:
            s = row.score
            sheets.append(
                bureau,
                [
                    row.unit.name,
                    str(row.unit.get_kind_display()),
                    float(s.score) if s and s.scored else None,
                    f"{s.rank}/{s.rank_of}" if s and s.rank else "",
                    row.targets,
                    row.met,
                    row.at_risk,
                    row.red,
                    row.pending,
                ],
            )
    cases = wb.create_sheet("挂牌督办")
    _header(
        cases,
        ["督办事项", "责任单位", "原因", "挂牌日期", "整改期限", "责任人", "状态"],
        [50, 16, 14, 12, 12, 14, 10],
    )
    for case in board.cases:
        sheets.append(
            cases,
            [
                case.title,
                case.region.name,
                case.get_reason_display(),
                case.opened_on,
                case.deadline,
                actor_name(case.owner),
                case.get_status_display(),
            ],
        )
    for sheet in (targets, cases):
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, (dt.date, dt.datetime)):
                    cell.number_format = "yyyy-mm-dd"
                cell.alignment = Alignment(
                    vertical="top", wrap_text=isinstance(cell.value, str) and len(cell.value) > 30
                )
    return _save(wb)
