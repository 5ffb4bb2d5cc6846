"""What payments does when an application moves on. Cases publish their transitions (django-fsm
`post_transition`, sent inside the service's transaction); payments subscribes in its AppConfig,
so the cases module never imports payments."""

from __future__ import annotations

from minzheng.cases.models import Case


def on_case_transition(sender, instance=None, name: str = "", **kwargs) -> None:
    if sender is not Case or instance is None:
        return
    if name == "approve":
        from . import oneoff
        from .services import on_case_approved

        # A monthly programme becomes an entitlement, a one-off one a payable (each ignores the other).
        on_case_approved(instance)
        oneoff.on_case_approved(instance)
    elif name == "grant_emergency":
        from . import oneoff

        # Emergency help already handed over: shown with the payments, never paid again.
        oneoff.on_emergency_granted(instance)
