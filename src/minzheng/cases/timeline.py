"""What other modules add to a case's timeline after the decision (payments: when and how the
decided amount was paid, or that a bank payment failed and was re-issued). Cases keep the registry
and other modules fill it from their `AppConfig.ready()`, so cases never imports them.

A provider takes the case and returns a list of {"on": date, "label": str, "detail": str}."""

from __future__ import annotations

from collections.abc import Callable

_providers: list[Callable] = []


def register(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def followups(case) -> list[dict]:
    entries = []
    for provider in _providers:
        entries.extend(provider(case))
    return sorted(entries, key=lambda e: (e["on"] is None, e["on"] or 0))
