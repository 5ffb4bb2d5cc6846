from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def wan(fen) -> str:
    """An amount in fen shown in 万元 with two decimals: 2_247_000_000 → 2247.00."""
    if fen in (None, ""):
        return ""
    return str((Decimal(int(fen)) / Decimal(1_000_000)).quantize(Decimal("0.01"), ROUND_HALF_UP))
