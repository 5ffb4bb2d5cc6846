"""Template helpers of the application pages."""

from django import template

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """An amount in fen shown in yuan with two decimals: 48000 → 480.00."""
    if fen is None or fen == "":
        return ""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"
