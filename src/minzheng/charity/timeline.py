"""What charity adds to a medical-assistance case's timeline: each charity payment recorded on
one of its settled bills (cases shows it through cases.timeline, never importing charity)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from minzheng.core.money import yuan_str

from .models import Use


def charity_payments(case) -> list[dict]:
    uses = Use.objects.filter(medical_bill__case=case).select_related(
        "charity__organisation", "medical_bill"
    )
    return [
        {
            "on": u.used_on,
            "label": _("慈善救助"),
            "detail": _("%(org)s %(amount)s 元")
            % {"org": u.charity.name, "amount": yuan_str(u.amount_fen)},
        }
        for u in uses.order_by("used_on", "id")
    ]
