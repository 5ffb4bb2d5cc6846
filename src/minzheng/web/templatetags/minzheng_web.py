"""Small template helpers for the web pages."""

from django import template

from .. import nav
from ..views.base import may_reveal as _may_reveal
from ..views.base import may_write as _may_write

register = template.Library()


@register.filter
def may_write(user) -> bool:
    return _may_write(user)


@register.filter
def may_reveal(user) -> bool:
    return _may_reveal(user)


@register.simple_tag(takes_context=True)
def main_nav(context) -> list[dict]:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return nav.items_for(request)


@register.simple_tag
def nav_children(items: list[dict]) -> list[dict]:
    return nav.current_children(items)
