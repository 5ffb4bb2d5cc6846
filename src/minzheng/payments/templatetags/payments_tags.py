"""Template helpers of the payment pages: money in yuan, months, programme names."""

from django import template
from django.utils.translation import gettext

from minzheng.assistance import display
from minzheng.assistance.params import PROGRAMME_BY_CODE
from minzheng.core.money import yuan_str

from .. import months

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """48000 → 480.00; empty for None."""
    if fen is None or fen == "":
        return ""
    return yuan_str(int(fen))


@register.filter
def month(day) -> str:
    """2016-11-01 → 2016-11."""
    return months.label(day) if day else ""


@register.filter
def programme_name(code: str) -> str:
    spec = PROGRAMME_BY_CODE.get(code)
    return gettext(spec.name) if spec else code


@register.filter
def trace_label(label: str) -> str:
    """A stored calculation-trace label in the reader's language."""
    return display.trace_label(label or "")


@register.filter
def trace_value(value) -> str:
    """A stored calculation-trace value with flags and codes in words."""
    return display.trace_value(value)
