"""The volunteer service certificate (志愿服务证明), in Chinese with the platform's embedded CJK
font: the person (ID masked), the volunteer number, the hours, the star and a verification
number derived from them (services.verification_code), recorded when issued so that anyone can
check it on the public verification page the certificate names."""

from __future__ import annotations

import io

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from minzheng.core.errors import ServiceError
from minzheng.core.pdf import cjk_font

from .models import Status, Volunteer
from .services import issue_certificate


def _esc(text) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def certificate(volunteer: Volunteer, *, verify_url: str = "") -> tuple[bytes, str]:
    """The PDF and its file name; `verify_url` is the public verification page's address."""
    if (
        volunteer.status not in (Status.APPROVED, Status.SUSPENDED, Status.LEFT)
        or not volunteer.number
    ):
        raise ServiceError({"__all__": [_("注册通过后才能开具志愿服务证明")]}, status=409)
    font = cjk_font()
    title = ParagraphStyle("t", fontName=font, fontSize=20, leading=28, alignment=TA_CENTER)
    body = ParagraphStyle("b", fontName=font, fontSize=12, leading=20, wordWrap="CJK")
    today = timezone.localdate()
    code = issue_certificate(volunteer=volunteer, on=today).code
    stars = "★" * volunteer.star if volunteer.star else _("未达星级")
    rows = [
        [_("姓名"), volunteer.person.name],
        [_("身份证号码"), volunteer.person.id_masked],
        [_("志愿者编号"), volunteer.number],
        [_("注册日期"), volunteer.approved_on.isoformat() if volunteer.approved_on else ""],
        [_("累计服务时长"), _("%(h)s 小时") % {"h": volunteer.hours}],
        [_("星级"), stars],
        [_("验证码"), code],
    ]
    table = Table(
        [[Paragraph(_esc(a), body), Paragraph(_esc(b), body)] for a, b in rows],
        colWidths=[40 * mm, 110 * mm],
    )
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#888888")]))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=_("志愿服务证明"))
    doc.build(
        [
            Paragraph(_("志愿服务证明"), title),
            Spacer(1, 10 * mm),
            Paragraph(
                _esc(
                    _("兹证明%(name)s同志为注册志愿者，截至%(day)s累计志愿服务时长%(h)s小时。")
                    % {
                        "name": volunteer.person.name,
                        "day": today.isoformat(),
                        "h": volunteer.hours,
                    }
                ),
                body,
            ),
            Spacer(1, 6 * mm),
            table,
            Spacer(1, 10 * mm),
            Paragraph(
                _esc(
                    _("出具日期：%(day)s　出具单位：%(unit)s")
                    % {
                        "day": today.isoformat(),
                        "unit": volunteer.approved_in.name if volunteer.approved_in_id else "",
                    }
                ),
                body,
            ),
            Spacer(1, 4 * mm),
            Paragraph(
                _esc(
                    _("可在 %(url)s 输入验证码 %(code)s 查验本证明真伪。")
                    % {"url": verify_url or reverse("volunteers:verify"), "code": code}
                ),
                body,
            ),
        ]
    )
    return buffer.getvalue(), f"volunteer-certificate-{volunteer.number}.pdf"
