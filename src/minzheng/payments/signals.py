"""What payments does when an application moves on. Cases publish their transitions (django-fsm
`post_transition`, sent inside the service's transaction); payments subscribes in its AppConfig,
so the cases module never imports payments."""

from __future__ import annotations

from minzheng.cases.models import Case


def on_case_transition(sender, instance=None, name: str = "", **kwargs) -> None:
    if sender is not Case or instance is None or name != "approve":
        return
    from .services import on_case_approved

    on_case_approved(instance)
