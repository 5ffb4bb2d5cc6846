"""Workbench widgets. Each module adds the to-do cards it owns, usually from AppConfig.ready():

    from minzheng.web import widgets
    widgets.register("cases/_overdue_widget.html", overdue_widget_context, order=20)

`context(user)` returns the widget's context, or None when the card does not apply to the user;
the template receives it as `widget`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Widget:
    template: str
    context: Callable[[object], dict | None]
    order: int


_WIDGETS: dict[str, Widget] = {}


def register(template: str, context: Callable[[object], dict | None], *, order: int = 100) -> None:
    _WIDGETS[template] = Widget(template, context, order)


def widgets_for(user) -> list[dict]:
    shown = []
    for widget in sorted(_WIDGETS.values(), key=lambda w: (w.order, w.template)):
        data = widget.context(user)
        if data is not None:
            shown.append({"template": widget.template, "context": data})
    return shown
