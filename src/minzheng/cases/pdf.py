"""Printable documents in Chinese: the publicity list (公示名单), the published approval list, and
the approval / refusal notices. Uses the platform's embedded CJK font (core.pdf), so no font
file is needed; ID numbers always appear masked."""

from __future__ import annotations

import datetime as dt
import io

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from minzheng.core.money import yuan_str
from minzheng.core.pdf import cjk_font
from minzheng.regions.models import Region

from .models import Case, Decision, Programme
from .selectors import approval, member_count, refusal


def _font() -> str:
    return cjk_font()


def _styles():
    font = _font()
    base = ParagraphStyle(
        "body", fontName=font, fontSize=12, leading=20, wordWrap="CJK", firstLineIndent=24
    )
    return {
        "title": ParagraphStyle(
            "title", fontName=font, fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=6
        ),
        "subtitle": ParagraphStyle(
            "subtitle",
            fontName=font,
            fontSize=11,
            leading=16,
            alignment=TA_CENTER,
            textColor=colors.grey,
        ),
        "body": base,
        "plain": ParagraphStyle("plain", parent=base, firstLineIndent=0),
        "quote": ParagraphStyle(
            "quote",
            parent=base,
            leftIndent=24,
            firstLineIndent=0,
            backColor=colors.whitesmoke,
            borderPadding=6,
        ),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT, firstLineIndent=0),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK"),
        "small": ParagraphStyle(
            "small", fontName=font, fontSize=9, leading=13, wordWrap="CJK", textColor=colors.grey
        ),
    }


def _esc(text) -> str:
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", "<br/>")
    )


def _date(day: dt.date | None) -> str:
    return _("%(y)s年%(m)s月%(d)s日") % {"y": day.year, "m": day.month, "d": day.day} if day else ""


def approved_amount_fen(case, decision) -> int | None:
    """The amount the county decided, or else the monthly amount the rules gave the entitlement."""
    if decision.amount_fen is not None:
        return decision.amount_fen
    entitlement = (
        case.entitlements.order_by("id").first() if hasattr(case, "entitlements") else None
    )
    return entitlement.monthly_amount_fen if entitlement is not None else None


def _yuan(fen: int | None) -> str:
    return yuan_str(fen) or ""


def ancestor(region: Region, level: str) -> Region | None:
    codes = [c for c in region.path.split("/") if c]
    return Region.objects.filter(code__in=codes, level=level).first()


def _render(story, *, pagesize=A4, title: str) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=_("民政综合业务平台"),
    )
    doc.build(story)
    return buffer.getvalue()


def _table(rows, widths, styles):
    head, *body = rows
    data = [[Paragraph(_esc(c), styles["cell"]) for c in head]] + [
        [Paragraph(_esc(c), styles["cell"]) for c in r] for r in body
    ]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def publicity_list_pdf(cases: list[Case], *, region: Region | None, on: dt.date) -> bytes:
    styles = _styles()
    place = region.name if region else ""
    title = _("%(place)s社会救助对象公示名单") % {"place": place}
    rows = [
        [
            _("序号"),
            _("姓名"),
            _("身份证号码"),
            _("村（社区）"),
            _("家庭人口"),
            _("救助项目"),
            _("公示期"),
        ]
    ]
    for i, case in enumerate(cases, 1):
        publicity = case.publicity
        rows.append(
            [
                str(i),
                case.applicant.name,
                case.applicant.id_masked,
                case.region.name,
                str(member_count(case)),
                case.get_programme_display(),
                _("%(s)s 至 %(e)s")
                % {"s": f"{publicity.starts_on:%Y-%m-%d}", "e": f"{publicity.last_day:%Y-%m-%d}"},
            ]
        )
    story = [
        Paragraph(_esc(title), styles["title"]),
        Paragraph(
            _esc(_("截至 %(d)s，共 %(n)s 户") % {"d": _date(on), "n": len(cases)}),
            styles["subtitle"],
        ),
        Spacer(1, 6 * mm),
        _table(rows, [12 * mm, 24 * mm, 42 * mm, 40 * mm, 18 * mm, 44 * mm, 50 * mm], styles),
        Spacer(1, 6 * mm),
        Paragraph(
            _esc(
                _(
                    "公示期间，任何单位和个人对上述对象有异议的，可向所在乡镇人民政府（街道办事处）实名或匿名反映，"
                    "乡镇人民政府（街道办事处）将在规定时限内核查处理。"
                )
            ),
            styles["body"],
        ),
        Spacer(1, 8 * mm),
        Paragraph(_esc(_date(on)), styles["right"]),
    ]
    return _render(story, pagesize=landscape(A4), title=title)


def approved_list_pdf(
    cases: list[Case], *, region: Region | None, date_from: dt.date, date_to: dt.date
) -> bytes:
    styles = _styles()
    place = region.name if region else ""
    title = _("%(place)s社会救助批准对象名单") % {"place": place}
    rows = [
        [
            _("序号"),
            _("姓名"),
            _("身份证号码"),
            _("村（社区）"),
            _("家庭人口"),
            _("救助项目"),
            _("核定金额（元）"),
            _("批准日期"),
        ]
    ]
    for i, case in enumerate(cases, 1):
        decision = approval(case)
        rows.append(
            [
                str(i),
                case.applicant.name,
                case.applicant.id_masked,
                case.region.name,
                str(member_count(case)),
                case.get_programme_display(),
                _yuan(approved_amount_fen(case, decision)) if decision else "",
                f"{decision.decided_on:%Y-%m-%d}" if decision else "",
            ]
        )
    story = [
        Paragraph(_esc(title), styles["title"]),
        Paragraph(
            _esc(
                _("批准日期 %(a)s 至 %(b)s，共 %(n)s 户")
                % {"a": _date(date_from), "b": _date(date_to), "n": len(cases)}
            ),
            styles["subtitle"],
        ),
        Spacer(1, 6 * mm),
        _table(
            rows, [12 * mm, 24 * mm, 42 * mm, 40 * mm, 18 * mm, 44 * mm, 28 * mm, 26 * mm], styles
        ),
        Spacer(1, 6 * mm),
        Paragraph(
            _esc(_("以上对象经县级人民政府民政部门审批同意，现予公布，接受社会监督。")),
            styles["body"],
        ),
    ]
    return _render(story, pagesize=landscape(A4), title=title)


def _issuer(case: Case, decision: Decision | None) -> str:
    if decision is not None and decision.level == Decision.Level.COUNTY:
        county = ancestor(case.region, Region.Level.COUNTY)
        return _("%(name)s民政局") % {"name": county.name if county else ""}
    township = ancestor(case.region, Region.Level.TOWNSHIP)
    if township is None:
        return ""
    office = _("办事处") if township.name.endswith(_("街道")) else _("人民政府")
    return f"{township.name}{office}"


def notice_pdf(case: Case) -> bytes:
    """The approval notice (批准通知书) of an approved case, or the refusal notice
    (不予批准通知书) with its written reasons and how to seek review."""
    styles = _styles()
    applicant = case.applicant
    programme = case.get_programme_display()
    addressee = Paragraph(
        _esc(
            _("%(name)s（身份证号码：%(id)s）：")
            % {"name": applicant.name, "id": applicant.id_masked}
        ),
        styles["plain"],
    )
    applied = _("您家庭于 %(d)s 提出的%(p)s申请") % {"d": _date(case.applied_on), "p": programme}
    decision = approval(case)
    if decision is not None:
        title = _("批准通知书")
        lines = [Paragraph(_esc(applied + _("，经审核审批，决定予以批准。")), styles["body"])]
        lines.append(
            Paragraph(
                _esc(_("家庭保障人口：%(n)s 人。") % {"n": member_count(case)}), styles["body"]
            )
        )
        amount = approved_amount_fen(case, decision)
        if amount is not None:
            if case.programme in (Programme.TEMPORARY, Programme.MEDICAL):
                text = _("核定救助金额：%(y)s 元。") % {"y": _yuan(amount)}
            else:
                text = _("核定救助金额：每月 %(y)s 元，按月发放至家庭登记的银行账户。") % {
                    "y": _yuan(amount)
                }
            lines.append(Paragraph(_esc(text), styles["body"]))
        lines.append(
            Paragraph(
                _esc(
                    _(
                        "家庭人口、收入、财产状况发生变化的，请及时告知所在乡镇人民政府（街道办事处）。"
                        "以虚报、隐瞒、伪造等手段骗取救助的，将依法追回并承担相应法律责任。"
                    )
                ),
                styles["body"],
            )
        )
    else:
        decision = refusal(case)
        if decision is None:
            raise ValueError("a notice exists only for approved or refused cases")
        title = _("不予批准通知书")
        lines = [
            Paragraph(
                _esc(
                    applied
                    + _("，经%(level)s，决定不予批准。理由如下：")
                    % {"level": decision.get_level_display()}
                ),
                styles["body"],
            ),
            Spacer(1, 2 * mm),
            Paragraph(_esc(decision.reasons), styles["quote"]),
            Spacer(1, 2 * mm),
            Paragraph(
                _esc(
                    _(
                        "如对本决定不服，可以自收到本通知书之日起六十日内依法申请行政复议，"
                        "或者自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。"
                    )
                ),
                styles["body"],
            ),
        ]
    story = [
        Paragraph(_esc(title), styles["title"]),
        Paragraph(_esc(_("编号：%(n)s") % {"n": case.number}), styles["subtitle"]),
        Spacer(1, 8 * mm),
        addressee,
        *lines,
        Spacer(1, 14 * mm),
        Paragraph(_esc(_issuer(case, decision)), styles["right"]),
        Paragraph(_esc(_date(decision.decided_on)), styles["right"]),
    ]
    return _render(story, title=title)
