"""The hook through which the application procedure consults verification.

`django_fsm` sends `pre_transition` before a case's state changes, inside the service's
transaction; raising there aborts the transition and rolls the service's writes back, and the
ServiceError reaches the caller like any other field-level error."""

from __future__ import annotations


def guard_case_transition(sender, instance=None, name: str = "", **kwargs) -> None:
    from minzheng.cases.models import Case

    if sender is not Case or instance is None:
        return
    from .services import guard_transition

    guard_transition(instance, name)
