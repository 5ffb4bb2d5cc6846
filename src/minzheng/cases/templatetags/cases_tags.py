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
