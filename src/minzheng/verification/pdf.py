"""The verification report (居民家庭经济状况核对报告) of an application as a PDF, in Chinese with
the platform's embedded CJK font (core.pdf). ID numbers appear masked."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from minzheng.core.pdf import cjk_font


def _font() -> str:
    return cjk_font()


def _styles() -> dict:
    font = _font()
    return {
        "title": ParagraphStyle(
            "title", fontName=font, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=4
        ),
        "subtitle": ParagraphStyle(
            "subtitle",
            fontName=font,
            fontSize=10,
            leading=14,
            alignment=TA_CENTER,
            textColor=colors.grey,
        ),
        "h2": ParagraphStyle(
            "h2", fontName=font, fontSize=12.5, leading=20, spaceBefore=8, spaceAfter=4
        ),
        "body": ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9, leading=12.5, wordWrap="CJK"),
        "small": ParagraphStyle(
            "small", fontName=font, fontSize=8.5, leading=12, wordWrap="CJK", textColor=colors.grey
        ),
    }


def _esc(text) -> str:
    return (
        str(text if text is not None else "")
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", "<br/>")
    )


def _date(day) -> str:
    if not day:
        return ""
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date()
    return _("%(y)s年%(m)s月%(d)s日") % {"y": day.year, "m": day.month, "d": day.day}


def _table(rows: list[list], widths: list[float], styles: dict) -> Table:
    cells = [[Paragraph(_esc(c), styles["cell"]) for c in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def report_pdf(report: dict) -> bytes:
    styles = _styles()
    case, household, finished = report["case"], report["household"], report["finished"]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=_("居民家庭经济状况核对报告"),
        author=_("民政综合业务平台"),
    )
    story = [
        Paragraph(_("居民家庭经济状况核对报告"), styles["title"]),
        Paragraph(
            _("报告编号 %(ref)s　　申请编号 %(case)s")
            % {
                "ref": finished.reference if finished else _("（尚未完成核对）"),
                "case": case.number,
            },
            styles["subtitle"],
        ),
        Spacer(1, 4 * mm),
        Paragraph(_("一、核对对象"), styles["h2"]),
        Paragraph(
            _("申请项目：%(p)s；家庭编号：%(h)s；所在村（社区）：%(r)s；申请日期：%(d)s。")
            % {
                "p": case.get_programme_display(),
                "h": household.number,
                "r": household.region.name,
                "d": _date(case.applied_on),
            },
            styles["body"],
        ),
    ]
    authorisation = report["authorisation"]
    if authorisation:
        story.append(
            Paragraph(
                _("核对授权书：%(names)s 于 %(d)s 签署。")
                % {
                    "names": "、".join(authorisation.signed_by),
                    "d": _date(authorisation.signed_on),
                },
                styles["body"],
            )
        )
    members = [[_("姓名"), _("身份证号码"), _("与户主关系")]] + [
        [m.person.name, m.person.id_masked, m.get_relation_display()] for m in report["members"]
    ]
    story += [Spacer(1, 2 * mm), _table(members, [40 * mm, 60 * mm, 40 * mm], styles)]

    story.append(Paragraph(_("二、比对数据来源"), styles["h2"]))
    rows = [[_("数据来源"), _("提供部门"), _("本项目必需"), _("数据截止日期")]]
    for source in report["sources"]:
        batches = source["batches"]
        when = "；".join(
            f"{b.as_of:%Y-%m-%d}{('（' + b.provider + '）') if b.provider else ''}" for b in batches
        ) or _("未导入，未比对")
        needed = (
            _("是") if source["required"] else (_("始终比对") if source["platform"] else _("否"))
        )
        rows.append([str(source["label"]), str(source["department"]), needed, when])
    story.append(_table(rows, [50 * mm, 55 * mm, 22 * mm, 51 * mm], styles))
    if report["missing_labels"]:
        story.append(
            Paragraph(
                _esc(
                    _("本项目必需但未比对的数据来源：%(list)s。")
                    % {"list": "、".join(str(label) for label in report["missing_labels"])}
                ),
                styles["body"],
            )
        )
    if finished:
        story.append(
            Paragraph(
                _("核对基准日 %(d)s，核对完成于 %(t)s。")
                % {"d": _date(finished.as_of), "t": _date(finished.finished_at)},
                styles["small"],
            )
        )

    story.append(Paragraph(_("三、核对情况"), styles["h2"]))
    findings = report["findings"]
    if not finished:
        story.append(Paragraph(_("尚未完成核对。"), styles["body"]))
    elif not findings:
        if report["coverage"].complete:
            story.append(
                Paragraph(
                    _(
                        "经与上述部门数据比对，未发现家庭成员的收入、财产与申报情况不一致或不符合条件的情形。"
                    ),
                    styles["body"],
                )
            )
        else:
            story.append(
                Paragraph(
                    _("已比对的数据来源中未发现不一致；本项目必需的数据来源未全部比对。"),
                    styles["body"],
                )
            )
    else:
        rows = [[_("序号"), _("成员"), _("核对情形"), _("数据来源（批次/记录）"), _("处理")]]
        for number, f in enumerate(findings, start=1):
            handled = f.get_status_display() + (f"：{f.note}" if f.note else "")
            rows.append(
                [
                    str(number),
                    f"{f.person.name}\n{f.person.id_masked}",
                    f"{f.title}：{f.text}",
                    f"{f.batch.get_source_display()}\n#{f.batch_id}/{f.row}",
                    handled,
                ]
            )
        story.append(_table(rows, [10 * mm, 30 * mm, 78 * mm, 30 * mm, 30 * mm], styles))

    story.append(Paragraph(_("四、核对结论"), styles["h2"]))
    decision = report["decision"]
    conclusion = report["conclusion"]
    if decision is not None and decision.outcome == "refuse":
        text = _("信息核对不通过，不予批准（%(d)s）。理由：%(r)s") % {
            "d": _date(decision.decided_on),
            "r": decision.reasons,
        }
    elif finished is not None and conclusion["status"] in ("partial", "none"):
        text = f"{conclusion['label']}。{conclusion['text']}"
    elif decision is not None:
        text = _("信息核对通过（%(d)s）。") % {"d": _date(decision.decided_on)}
    elif case.state != "verifying" and finished and not report["blocking"]:
        text = _("信息核对通过，转入入户调查。")
    elif report["blocking"]:
        text = _("有 %(n)s 条核对发现待说明情况或已确认属实，尚未作出核对结论。") % {
            "n": len(report["blocking"])
        }
    else:
        text = _("尚未作出核对结论。")
    story.append(Paragraph(_esc(text), styles["body"]))
    story += [
        Spacer(1, 8 * mm),
        Paragraph(
            _(
                "本报告依据家庭成员签署的核对授权书，仅用于社会救助审核，不得用于其他用途。打印时间：%(t)s"
            )
            % {"t": _date(timezone.now())},
            styles["small"],
        ),
    ]
    doc.build(story)
    return buffer.getvalue()
