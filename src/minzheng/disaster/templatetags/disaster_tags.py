from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.filter
def errors_for(errors: dict, field: str):
    """The messages of one field as an error list (nothing when it has none)."""
    found = (errors or {}).get(field) or []
    if not found:
        return ""
    return format_html(
        '<ul class="errorlist" id="{}-error">{}</ul>',
        field,
        format_html_join("", "<li>{}</li>", ((m,) for m in found)),
    )


@register.filter
def posted(data, field: str) -> str:
    return (data or {}).get(field, "") if hasattr(data, "get") else ""


@register.filter
def payable_status_label(status: str) -> str:
    from minzheng.payments.models import OneOffPayable

    return OneOffPayable.Status(status).label if status in OneOffPayable.Status.values else ""
