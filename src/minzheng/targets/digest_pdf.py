"""The weekly digest printed (PDF, the platform's CJK font, core.pdf): the sections with their
items, each item's link written out so the paper copy still says where to act."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from minzheng.accounts.models import actor_name
from minzheng.core.pdf import cjk_font

SEVERITY_COLOURS = {"danger": "#b42318", "warning": "#b35900", "info": "#222222"}


def digest_pdf(user, built, *, base_url: str = "") -> bytes:
    font = cjk_font()
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=22, alignment=TA_CENTER)
    sub = ParagraphStyle(
        "s", fontName=font, fontSize=9, leading=13, alignment=TA_CENTER, textColor=colors.grey
    )
    h2 = ParagraphStyle("h", fontName=font, fontSize=12, leading=17, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle(
        "b", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK", leftIndent=8
    )
    link = ParagraphStyle(
        "l", fontName=font, fontSize=7.5, leading=10, textColor=colors.grey, leftIndent=16
    )
    stamp = built.generated_at or timezone.now()
    story = [
        Paragraph(escape(_("领导周报")), title),
        Paragraph(
            escape(
                _("%(name)s　%(start)s 至 %(end)s　生成于 %(at)s")
                % {
                    "name": actor_name(user),
                    "start": built.start.isoformat(),
                    "end": built.end.isoformat(),
                    "at": timezone.localtime(stamp).strftime("%Y-%m-%d %H:%M"),
                }
            ),
            sub,
        ),
        Spacer(1, 4 * mm),
    ]
    for section in built.sections:
        count = len(section["items"])
        story.append(Paragraph(escape(f"{section['title']}（{count}）"), h2))
        if not section["items"]:
            story.append(Paragraph(escape(_("本周无")), body))
        for item in section["items"]:
            colour = SEVERITY_COLOURS.get(item["severity"], "#222222")
            story.append(Paragraph(f'<font color="{colour}">●</font> {escape(item["text"])}', body))
            if item["url"]:
                story.append(Paragraph(escape(base_url + item["url"]), link))
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=_("领导周报"),
    ).build(story)
    return out.getvalue()
