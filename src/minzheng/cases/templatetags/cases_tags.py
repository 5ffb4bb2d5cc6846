"""Template helpers of the application pages."""

from django import template

from minzheng.core.money import yuan_str

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """An amount in fen shown in yuan with two decimals: 48000 → 480.00."""
    if fen is None or fen == "":
        return ""
    return yuan_str(int(fen))


@register.filter
def trace_label(label) -> str:
    """A stored calculation-trace label (or a stored label-like value) in the reader's language."""
    from minzheng.assistance.display import trace_label as translate

    return translate(str(label or ""))


@register.filter
def bill_status(status: str) -> str:
    """A medical bill's place in the ledger, in words."""
    from django.utils.translation import gettext

    return {
        "decided": gettext("已核定"),
        "pending": gettext("待审批（按台账试算）"),
        "excluded": gettext("不计入（申请未获批准）"),
    }.get(status, status)


@register.filter
def bill_kind(kind: str) -> str:
    from minzheng.cases.models import MedicalBill

    return MedicalBill.Kind(kind).label if kind in MedicalBill.Kind.values else kind
