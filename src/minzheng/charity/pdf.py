"""The donation receipt (捐赠票据) as a PDF, in Chinese with the platform's embedded CJK font:
number, charity, donor (as the books name them: the receipt goes to the donor), what was given,
its value, purpose and date; a voided receipt prints marked void with its reason."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from minzheng.core.money import yuan_str
from minzheng.core.pdf import cjk_font

from .models import DonationForm, Receipt


def _esc(text) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def receipt_pdf(receipt: Receipt) -> bytes:
    donation = receipt.donation
    font = cjk_font()
    title = ParagraphStyle("t", fontName=font, fontSize=18, leading=26, alignment=TA_CENTER)
    body = ParagraphStyle("b", fontName=font, fontSize=11, leading=16, wordWrap="CJK")
    what = _("资金")
    if donation.form == DonationForm.GOODS:
        what = f"{donation.goods_description} × {donation.goods_quantity}{donation.goods_unit}"
    purpose = donation.get_purpose_display()
    if donation.directed:
        purpose = _("%(purpose)s（定向捐赠）") % {"purpose": purpose}
    if donation.purpose_note:
        purpose += f"：{donation.purpose_note}"
    rows = [
        [_("票据号码"), receipt.number],
        [_("开具日期"), receipt.issued_on.isoformat()],
        [_("接受捐赠单位"), donation.charity.name],
        [_("捐赠人"), donation.donor_name],
        [_("捐赠项目"), what],
        [_("金额（元）"), yuan_str(donation.amount_fen)],
        [_("接收日期"), donation.received_on.isoformat()],
        [_("捐赠用途"), purpose],
        [_("开票人"), receipt.issued_by_name],
    ]
    if receipt.voided_at is not None:
        rows.append([_("作废"), _("已作废：%(reason)s") % {"reason": receipt.void_reason}])
    table = Table(
        [[Paragraph(_esc(a), body), Paragraph(_esc(b), body)] for a, b in rows],
        colWidths=[38 * mm, 130 * mm],
    )
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#888888")]))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A5), title=_("公益事业捐赠票据"))
    doc.build(
        [
            Paragraph(_("公益事业捐赠票据"), title),
            Spacer(1, 6 * mm),
            table,
            Spacer(1, 6 * mm),
            Paragraph(_esc(_("感谢您的爱心捐赠！本票据可作为公益性捐赠税前扣除的凭证。")), body),
        ]
    )
    return buffer.getvalue()
