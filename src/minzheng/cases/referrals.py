"""Next steps other modules offer on a case page (the children's module: a 特困 applicant under
16, whom the rules refer to the orphan programme, to be put on the orphan register). Cases keep
the registry and other modules fill it from their `AppConfig.ready()`, so cases never imports
them.

A provider takes the case and the user viewing it and returns a list of
{"label": str, "detail": str, "url": str}, offering only what that user may open."""

from __future__ import annotations

from collections.abc import Callable

_providers: list[Callable] = []


def register(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def offered(case, user) -> list[dict]:
    return [entry for provider in _providers for entry in provider(case, user)]
