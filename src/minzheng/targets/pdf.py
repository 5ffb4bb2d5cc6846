"""The printable assessment report (PDF), in Chinese with the platform's embedded CJK font
(core.pdf). The fallback font has no glyph for some Western punctuation (the middle dot), so
the text avoids it."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from minzheng.accounts.models import actor_name
from minzheng.core.pdf import cjk_font

FONT = "STSong-Light"  # replaced by the embedded font once registered (_register_font)
STATUS_COLOURS = {
    "met": colors.HexColor("#1a7f37"),
    "on_track": colors.HexColor("#0b5cad"),
    "behind": colors.HexColor("#b35900"),
    "missed": colors.HexColor("#b42318"),
    "no_data": colors.HexColor("#666666"),
    "anomaly": colors.HexColor("#7a2e8a"),
}
SIGNS = {"ge": "≥", "le": "≤", "eq": "="}


def _register_font() -> None:
    global FONT
    FONT = cjk_font()


def _styles():
    return {
        "title": ParagraphStyle(
            "title", fontName=FONT, fontSize=16, leading=22, alignment=TA_CENTER, spaceAfter=4
        ),
        "sub": ParagraphStyle(
            "sub",
            fontName=FONT,
            fontSize=9,
            leading=13,
            alignment=TA_CENTER,
            textColor=colors.HexColor("#555555"),
        ),
        "h2": ParagraphStyle(
            "h2", fontName=FONT, fontSize=12, leading=17, spaceBefore=8, spaceAfter=4
        ),
        "cell": ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=10.5, wordWrap="CJK"),
        "body": ParagraphStyle("body", fontName=FONT, fontSize=9, leading=13, wordWrap="CJK"),
    }


def _num(value, places: int = 1) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _table(rows, widths, header_rows: int = 1, extra_styles=()):
    table = Table(rows, colWidths=widths, repeatRows=header_rows)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8),
                ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#dce6f1")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (0, 0), (-1, 0), "CENTER"),
                *extra_styles,
            ]
        )
    )
    return table


def dashboard_pdf(board, *, generated_by: str = "", org_units=()) -> bytes:
    _register_font()
    s = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=_("%(plan)s 目标考核报告") % {"plan": board.plan.title},
        author=_("民政综合业务平台"),
    )
    story = [
        Paragraph(
            _("%(plan)s　%(region)s目标考核报告")
            % {"plan": board.plan.title, "region": board.region.name},
            s["title"],
        ),
        Paragraph(
            _("快照日期：%(date)s　　生成人：%(who)s")
            % {"date": board.on_date or "—", "who": generated_by or "—"},
            s["sub"],
        ),
        Spacer(1, 4 * mm),
    ]
    score = board.score
    summary = [
        [
            _("综合得分"),
            _("同级排名"),
            *[label for _v, label, _n in board.status_counts],
            _("数据逾期未报"),
        ],
        [
            _num(score.score, 2) if score and score.scored else "—",
            f"{score.rank}/{score.rank_of}" if score and score.rank else "—",
            *[str(n) for _v, _l, n in board.status_counts],
            str(board.overdue_reports),
        ],
    ]
    story.append(
        _table(
            summary,
            [30 * mm] * len(summary[0]),
            extra_styles=[("ALIGN", (0, 1), (-1, 1), "CENTER"), ("FONTSIZE", (0, 1), (-1, 1), 11)],
        )
    )

    story.append(Paragraph(_("一、目标完成情况"), s["h2"]))
    rows = [
        [
            _("编号"),
            _("目标"),
            _("目标值"),
            _("当前值"),
            _("完成度"),
            _("时间进度"),
            _("状态"),
            _("完成期限"),
        ]
    ]
    styles = []
    for section in board.sections:
        rows.append(
            [
                Paragraph(
                    _("%(title)s（得分 %(score)s）")
                    % {"title": section.title, "score": _num(section.score, 1)},
                    s["cell"],
                ),
                "",
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
        styles.append(("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)))
        styles.append(
            ("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), colors.HexColor("#f3f6f9"))
        )
        for row in section.rows:
            e = row.evaluation
            rows.append(
                [
                    row.target.code,
                    Paragraph(row.target.title, s["cell"]),
                    f"{SIGNS[row.target.comparison]} {_num(row.target.value, 2)} {row.target.unit}",
                    _num(e.value, 2) if e and e.value is not None else "—",
                    f"{_num(row.attainment_pct)}%" if row.attainment_pct is not None else "—",
                    f"{_num(row.expected_pct)}%" if row.expected_pct is not None else "—",
                    row.status_label + (_("（逾期未报）") if e and e.report_overdue else ""),
                    str(row.target.deadline),
                ]
            )
            styles.append(
                (
                    "TEXTCOLOR",
                    (6, len(rows) - 1),
                    (6, len(rows) - 1),
                    STATUS_COLOURS.get(row.status, colors.black),
                )
            )
    if len(rows) == 1:
        rows.append(["", _("本单位在该计划中没有目标"), "", "", "", "", "", ""])
    story.append(
        _table(
            rows,
            [16 * mm, 100 * mm, 32 * mm, 24 * mm, 18 * mm, 18 * mm, 32 * mm, 22 * mm],
            extra_styles=styles,
        )
    )

    if board.units:
        story.append(Paragraph(_("二、下级单位得分与排名"), s["h2"]))
        unit_rows = [
            [
                _("单位"),
                _("综合得分"),
                _("排名"),
                _("已完成"),
                _("进度正常"),
                _("进度滞后"),
                _("逾期未完成"),
                _("暂无数据"),
                _("数据逾期"),
            ]
        ]
        for unit in board.units:
            us = unit.score
            unit_rows.append(
                [
                    unit.region.name,
                    _num(us.score, 2) if us and us.scored else "—",
                    f"{us.rank}/{us.rank_of}" if us and us.rank else "—",
                    *(
                        str(getattr(us, f)) if us else "—"
                        for f in (
                            "met",
                            "on_track",
                            "behind",
                            "missed",
                            "no_data",
                            "overdue_reports",
                        )
                    ),
                ]
            )
        story.append(_table(unit_rows, [40 * mm] + [26 * mm] * 8))

    if org_units:
        story.append(Paragraph(_("局机关科室和局属单位"), s["h2"]))
        rows = [
            [
                _("单位"),
                _("单位类别"),
                _("综合得分"),
                _("排名"),
                _("目标数"),
                _("已完成"),
                _("预警"),
                _("红灯"),
                _("待审核填报"),
            ]
        ]
        for row in org_units:
            us = row.score
            rows.append(
                [
                    Paragraph(row.unit.name, s["cell"]),
                    str(row.unit.get_kind_display()),
                    _num(us.score, 2) if us and us.scored else "—",
                    f"{us.rank}/{us.rank_of}" if us and us.rank else "—",
                    *(str(n) for n in (row.targets, row.met, row.at_risk, row.red, row.pending)),
                ]
            )
        story.append(_table(rows, [48 * mm, 26 * mm] + [24 * mm] * 7))

    story.append(Paragraph(_("三、挂牌督办事项"), s["h2"]))
    if board.cases:
        case_rows = [
            [_("督办事项"), _("责任单位"), _("原因"), _("挂牌日期"), _("整改期限"), _("责任人")]
        ]
        for case in board.cases:
            owner = actor_name(case.owner, nobody="—")
            case_rows.append(
                [
                    Paragraph(case.title, s["cell"]),
                    case.region.name,
                    case.get_reason_display(),
                    str(case.opened_on),
                    str(case.deadline),
                    owner,
                ]
            )
        story.append(_table(case_rows, [110 * mm, 30 * mm, 28 * mm, 25 * mm, 25 * mm, 30 * mm]))
    else:
        story.append(Paragraph(_("无督办中的事项。"), s["body"]))
    story.append(Spacer(1, 4 * mm))
    story.append(
        Paragraph(
            _(
                "说明：完成度 = 当前值 ÷ 目标值（“≤”类目标未超出即为100%%）；时间进度 = 考核期起至快照日期的天数 ÷ 考核期起至完成期限的天数；"
                "完成度低于时间进度减去预警容差（%(tolerance)s）即为“进度滞后”。综合得分 = Σ 权重 × min(完成度, 100%%) ÷ Σ 权重 × 100，暂无数据的目标计0分。"
            )
            % {"tolerance": f"{board.plan.pace_tolerance * 100:.0f}%"},
            s["body"],
        )
    )
    doc.build(story)
    return out.getvalue()
